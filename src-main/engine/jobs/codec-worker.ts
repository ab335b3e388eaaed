/**
 * A codec worker: one model cache per thread; encodes image files, decodes records (as sent, or their denoised view)
 * and gives the denoised view of pixels in memory. Never sees a key.
 */
import { parentPort } from 'node:worker_threads';
import { decodeImageRecord, denoiseImage } from '../codec/image-codec.js';
import type { Image } from '../image/image.js';
import type { ImageRecord } from '../codec/record.js';
import { encodePng } from '../image/io.js';
import { ModelCache, type ModelPart } from '../model/autoencoder.js';
import { encodeImageFile, type EncodeTask } from './encrypt.js';

export type CodecRequest =
  | { id: number; op: 'infer'; model: string; part: ModelPart; crop: Float32Array; shape: [number, number, number, number] }
  | { id: number; op: 'encode'; model: string; task: EncodeTask }
  | { id: number; op: 'decode'; modelId: string | null; record: ImageRecord; blobs: Buffer[]; png: boolean; denoise?: boolean }
  | { id: number; op: 'denoise'; model: string; image: Image; received?: number };

const models = new ModelCache();

parentPort!.on('message', async (req: CodecRequest) => {
  try {
    if (req.op === 'infer') {
      const out = (await models.byName(req.model)).inferTile(req.part, req.crop, req.shape);
      parentPort!.postMessage({ id: req.id, ok: out }, [out.buffer as ArrayBuffer]);
    } else if (req.op === 'encode') {
      const model = await models.byName(req.model);
      const out = await encodeImageFile(model, req.task);
      parentPort!.postMessage({ id: req.id, ok: { ...out, images: out.images.map((e) => ({ ...e, blobs: e.blobs.map((b) => new Uint8Array(b)) })) } });
    } else if (req.op === 'denoise') {
      parentPort!.postMessage({ id: req.id, ok: await denoiseImage(await models.byName(req.model), req.image, { received: req.received }) });
    } else {
      const model = req.denoise ? await models.forDenoising(req.modelId, req.record) : await models.forImage(req.modelId, req.record);
      const image = await decodeImageRecord(model, req.record, req.blobs.map((b) => Buffer.from(b)), undefined, { denoise: req.denoise });
      const png = req.png ? new Uint8Array(await encodePng(image)) : undefined;
      parentPort!.postMessage({ id: req.id, ok: { image, png } });
    }
  } catch (err) {
    const e = err as { code?: string; message: string; remedy?: string; facts?: object };
    parentPort!.postMessage({ id: req.id, error: { code: e.code, message: e.message, remedy: e.remedy, facts: e.facts } });
  }
});
