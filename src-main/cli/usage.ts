/**
 * Every command's usage text, in a module with no engine imports, so that `aeimg --help` (and a mistyped command)
 * answers without loading TensorFlow.js, sharp or the codecs.
 */
import { DEFAULT_MAX_PIXELS, DEFAULT_MODEL, MAX_BITS, MIN_BITS } from '../engine/defaults.js';
import { DEFAULT_QUALITY, QUALITIES, QUALITY_LEVELS } from '../../src-shared/quality.js';

const levelHelp = QUALITIES.map((q) => `                       ${q.padEnd(9)} ${QUALITY_LEVELS[q].label}`).join('\n');

export const encryptUsage = `aeimg encrypt IMAGE|DICOM|FOLDER... (--key NAME | --to CONTACT | --key-file K | --passphrase-file F)... [options]
  -o, --out DIR        write .aeimg files here, creating the folder if needed (default: beside each image)
  --quality LEVEL      what the receiver gets (default ${DEFAULT_QUALITY}):
${levelHelp}
                       Reduced-quality files are written with a warning; the reader's viewer says so.
  --lossless           the same as --quality lossless
  --bits N             latent bits, ${MIN_BITS}..${MAX_BITS}, of the network-only levels; with a guaranteed level it also
                       carries a latent under the refinement layer (as aeimg 0.2 did; larger files)
  --model NAME|DIR     model to encode with (default ${DEFAULT_MODEL})
  --deidentify P       DICOM: basic (default; PS3.15 Annex E) with options, e.g. basic,retain-dates,retain-uids,
                       retain-device,retain-institution,clean-graphics (a study's presentation states go with their
                       marks, window and turn, without their text); or none (full header, still only inside the encryption)
  --ct-intercept=N     the image files (16-bit grey PNG or TIFF) are CT whose HU are their values + N: -1024 for an
                       export of stored values (HU + 1024), 0 for values in HU (a signed TIFF). Their figures are
                       then in HU and the CT windows (brain 40/80, lung, bone...), and the reader sees HU; an 8-bit or
                       colour image file is refused; DICOM files keep their own rescale. Every 16-bit grey image
                       file given goes as a CT: leave an MR out of the run, or name it with --not-ct. An ImageJ
                       (Fiji) TIFF of a CT goes with its own calibration, given this or not
  --not-ct FILE|FOLDER with --ct-intercept: this file (a folder: each file under it) goes without it, as an image
                       without units (an MR exported the same way, in the same run or study); repeatable
  --window L/W         a window of yours, level/width in the images' values (HU for CT), e.g. --window 40/80 or
                       --window=-600/1500 (a level below 0 after '='): measured with the reader windows and carried;
                       the reader's viewer opens each grey image in it, with its figure. Colour images go without it,
                       and in a run that holds a CT the window is in HU: images not in HU (an MR) go without it
  --bundle NAME        one study: all inputs, in slice order, in NAME.partKofN.aeimg files under --max-size
  --max-size SIZE      largest part, e.g. 18MB (default; Gmail's 25 MB after base64) or 14MB (Outlook.com's 20 MB);
                       without --bundle, a larger .aeimg is written with a warning that says how to send it
  --no-measure         skip the fidelity check (one decoder pass less)
  --recode             code every image as aeimg 0.8 did, for receivers before aeimg 0.9: never as the JPEG /
                       JPEG 2000 / JPEG-LS / RLE data its file holds (which otherwise goes as it is where smaller,
                       bit-exact), and without coding samples that step by a common amount as grid indices
  --max-pixels N       refuse larger images (default ${DEFAULT_MAX_PIXELS})
  --jobs N             files in parallel, one worker per job (default: one per CPU core)
  --force              replace existing .aeimg files
  --skip-existing      leave inputs whose .aeimg already exists (resuming an interrupted batch; not with --bundle)
  --dry-run            list what would be encrypted and where it would go (a folder's subfolders, a CD's DICOMDIR,
                       renamed DICOM files; a study's slice order; DICOM files whose header aeimg refuses, such as a
                       32-bit dose grid), reading no pixel and writing nothing; no key needed. With --ct-intercept,
                       image files are read whole to name those that would go as a CT, those that cannot (8-bit,
                       colour) and those whose darkest part the intercept would put far from air (1024 off);
                       without, an ImageJ TIFF of a CT is named as going as one (a TIFF's head read to know)
  (Temp files that an interrupted run left in the output folders are removed first.)`;

export const decryptUsage = `aeimg decrypt FILE.aeimg|FOLDER... [--key-file K | --passphrase-file F] [options]
  (without a key option, the key is found in your keychain)
  -o, --out DIR        write images here, creating the folder if needed (default: beside each .aeimg)
  --format png|dcm     PNG (16-bit where the original was 16-bit; default) or DICOM (the original's class and
                       kept metadata for single-frame CT/MR/CR/DX/MG/US, Secondary Capture otherwise; a cine's
                       frames as one multi-frame file, which a PACS plays)
  --denoise            write the denoised view instead of the image as sent, as NAME.denoised.png (PNG only, not with
                       --format dcm): the image's latent through the model's denoiser, or the image once more through
                       the autoencoder when there is none. The .aeimg and the image as sent are unchanged by it.
  --force              replace existing images
  --skip-existing      leave files whose image already exists (resuming an interrupted batch; single files, not studies)
  --jobs N             files in parallel (default: one worker per CPU core)`;

export const keysUsage = `aeimg keys create NAME             a new 256-bit shared key in the OS keychain
aeimg keys list                    names, fingerprints and dates (no secret is shown)
aeimg keys rename NAME NEW-NAME
aeimg keys export NAME -o FILE     a passphrase-protected copy to give the other side (--passphrase-file F)
aeimg keys import FILE [--name N]  (--passphrase-file F); shows the fingerprint to compare by phone
aeimg keys delete NAME [--yes]
aeimg keys identity [-o FILE]      my public contact card (made on first use)
aeimg keys add-contact CARD [--name N]
aeimg keys contacts`;

export const evalUsage = `aeimg eval --data DIR [--model NAME] [--noise all|none|saltpepper,speckle,poisson,gaussian]
           [--bits 8] [--limit N] [--seed S] [--ct-intercept N] [--out DIR]   writes DIR/report.md and DIR/report.json
  --ct-intercept=N  the folder's image files are a CT's 16-bit exports whose HU are their values + N (-1024 for stored
                    values), as encrypt --ct-intercept sends them: measured in HU through the CT presets`;

export const trainUsage = `aeimg train --data DIR --out resources/models/NAME [--val DIR] [--epochs 10] [--steps-per-epoch 100]
            [--patch 96] [--batch 16] [--lr 0.002] [--noise 0.5] [--arch aeimg-v1|paper] [--latent-channels 1]
            [--seed 1] [--workers N] [--resume] [--ct-intercept N]   (optimiser: Adamax; loss: MSE; one worker per core)
  --ct-intercept=N  the image files under --data and --val are a CT's 16-bit exports whose HU are their values + N:
                    learnt as the encoder is given them when sent with encrypt --ct-intercept (through the CT presets)`;
