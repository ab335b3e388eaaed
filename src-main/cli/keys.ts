/** `aeimg keys …`: named shared keys in the OS keychain, sharing them, my identity and my contacts. */
import { readFile } from 'node:fs/promises';
import { keysUsage } from './usage.js';
import { parseArgs } from 'node:util';
import { AeimgError, ErrorCode, inFile } from '../engine/errors.js';
import { writeFileAtomic } from '../engine/fs/atomic.js';
import { exportKey, importKey, MIN_PASSPHRASE_CHARS } from '../engine/keys/export.js';
import { KeyStore } from '../engine/keys/keystore.js';
import { formatContactCard } from '../engine/keys/x25519.js';
import { readPassphrase } from './common.js';
import { ask } from './prompt.js';


const out = (s: string) => process.stdout.write(`${s}\n`);

async function passphrase(file: string | undefined, confirm: boolean): Promise<string> {
  const given = await readPassphrase(file);
  if (given) return given;
  const p = await ask(`Passphrase (${MIN_PASSPHRASE_CHARS}+ characters; several words are best): `, true);
  if (confirm && (await ask('Repeat the passphrase: ', true)) !== p) throw new AeimgError(ErrorCode.Usage, 'the passphrases differ.');
  return p;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw inFile(path, err);
  }
}

export async function keysCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals: args } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      out: { type: 'string', short: 'o' },
      name: { type: 'string' },
      'passphrase-file': { type: 'string' },
      yes: { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
    },
  });
  const need = (n: number, usage: string) => {
    if (args.length !== n) throw new AeimgError(ErrorCode.Usage, `usage: ${usage}`);
  };
  const store = new KeyStore();
  switch (sub) {
    case 'create': {
      need(1, 'aeimg keys create NAME');
      const k = await store.create(args[0]!);
      out(`Created key '${k.name}' in the OS keychain.\nFingerprint: ${k.fingerprint}\n` +
        `Share it with \`aeimg keys export '${k.name}' -o FILE\`, and read the fingerprint to the other side by phone.`);
      return 0;
    }
    case 'list': {
      const keys = await store.list();
      if (keys.length === 0) out('No keys yet. Create one with `aeimg keys create NAME` or import one with `aeimg keys import FILE`.');
      for (const k of keys) out(`${k.name.padEnd(24)} ${k.fingerprint}  created ${k.created.slice(0, 10)}`);
      return 0;
    }
    case 'rename': {
      need(2, 'aeimg keys rename NAME NEW-NAME');
      const k = await store.rename(args[0]!, args[1]!);
      out(`Renamed to '${k.name}' (fingerprint ${k.fingerprint}).`);
      return 0;
    }
    case 'export': {
      need(1, 'aeimg keys export NAME -o FILE');
      if (!values.out) throw new AeimgError(ErrorCode.Usage, 'say where to write the export with -o FILE.');
      const info = await store.find(args[0]!);
      const key = await store.sharedKey(info);
      const text = await exportKey(key, { name: info.name, created: info.created }, await passphrase(values['passphrase-file'], true));
      await writeFileAtomic(values.out, Buffer.from(text), { force: values.force, mode: 0o600 });
      out(`Wrote '${info.name}' to ${values.out}, protected by the passphrase.\nFingerprint: ${info.fingerprint}\n` +
        'Send the file and tell the passphrase separately (by phone, not in the same e-mail).');
      return 0;
    }
    case 'import': {
      need(1, 'aeimg keys import FILE [--name NAME]');
      let imported;
      try {
        imported = await importKey(await readText(args[0]!), await passphrase(values['passphrase-file'], false));
      } catch (err) {
        throw inFile(args[0]!, err);
      }
      const k = await store.add(imported.key, values.name ?? imported.name, imported.created);
      out(`Imported key '${k.name}'.\nFingerprint: ${k.fingerprint}\nCheck by phone that the sender reads the same fingerprint.`);
      return 0;
    }
    case 'delete': {
      need(1, 'aeimg keys delete NAME [--yes]');
      const info = await store.find(args[0]!);
      if (!values.yes) {
        const typed = await ask(`Delete key '${info.name}' (${info.fingerprint})? Files encrypted for it can no longer be opened here. Type its name to confirm: `);
        if (typed.trim() !== info.name) {
          out('Not deleted.');
          return 1;
        }
      }
      await store.delete(info.name);
      out(`Deleted key '${info.name}' (${info.fingerprint}).`);
      return 0;
    }
    case 'identity': {
      const me = (await store.identity(true, values.name ?? 'me'))!;
      const card = formatContactCard(values.name ?? me.label, me.publicKey);
      if (values.out) {
        await writeFileAtomic(values.out, Buffer.from(card), { force: values.force });
        out(`Wrote your contact card to ${values.out}. It holds no secret: send it to whoever should encrypt for you.`);
      }
      out(card.trimEnd());
      return 0;
    }
    case 'add-contact': {
      need(1, 'aeimg keys add-contact CARD [--name NAME]');
      let c;
      try {
        c = await store.addContact(await readText(args[0]!), values.name);
      } catch (err) {
        throw inFile(args[0]!, err);
      }
      out(`Added contact '${c.name}'.\nFingerprint: ${c.fingerprint}\nCheck it with them by phone; then \`aeimg encrypt --to '${c.name}' …\`.`);
      return 0;
    }
    case 'contacts': {
      const list = await store.contacts();
      if (list.length === 0) out('No contacts yet. Add one with `aeimg keys add-contact CARD`.');
      for (const c of list) out(`${c.name.padEnd(24)} ${c.fingerprint}  added ${c.added.slice(0, 10)}`);
      return 0;
    }
    default:
      throw new AeimgError(ErrorCode.Usage, `unknown keys command '${sub ?? ''}'.\n${keysUsage}`);
  }
}
