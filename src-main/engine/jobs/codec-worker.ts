/** A codec worker: one model cache per thread; encodes image files and decodes records. Never sees a key. */
import { parentPort } from 'node:worker_threads';
import { decodeImageRecord, encodeImage } from '../codec/image-codec.js';
import type { Image } from '../image/image.js';
import type { ImageRecord } from '../codec/record.js';
import { encodePng } from '../image/io.js';
import { ModelCache, type ModelPart } from '../model/autoencoder.js';
import { encodeImageFile, type EncodeTask } from './encrypt.js';

export type CodecRequest =
  | { id: number; op: 'infer'; model: string; part: ModelPart; crop: Float32Array; shape: [number, number, number, number] }
  | { id: number; op: 'encode'; model: string; task: EncodeTask }
  | { id: number; op: 'decode'; modelId: string | null; record: ImageRecord; blobs: Buffer[]; png: boolean }
  | { id: number; op: 'reconstruct'; model: string; image: Image; bits: number };

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
    } else if (req.op === 'reconstruct') {
      const model = await models.byName(req.model);
      const out = await encodeImage(model, req.image, 'view', { bits: req.bits, measure: false });
      parentPort!.postMessage({ id: req.id, ok: await decodeImageRecord(model, out.record, out.blobs) });
    } else {
      const model = await models.forImage(req.modelId, req.record);
      const image = await decodeImageRecord(model, req.record, req.blobs.map((b) => Buffer.from(b)));
      const png = req.png ? new Uint8Array(await encodePng(image)) : undefined;
      parentPort!.postMessage({ id: req.id, ok: { image, png } });
    }
  } catch (err) {
    const e = err as { code?: string; message: string; remedy?: string; facts?: object };
    parentPort!.postMessage({ id: req.id, error: { code: e.code, message: e.message, remedy: e.remedy, facts: e.facts } });
  }
});
