/** The small part of dcmjs (no bundled types) that aeimg uses. */
declare module 'dcmjs' {
  interface DicomDictInstance {
    dict: Record<string, unknown>;
    write(): ArrayBuffer;
  }
  const dcmjs: {
    data: {
      DicomDict: new (meta: Record<string, unknown>) => DicomDictInstance;
      DicomMessage: { readFile(buffer: ArrayBuffer, options?: Record<string, unknown>): { dict: Record<string, { vr: string; Value?: unknown[] }>; meta: Record<string, { vr: string; Value?: unknown[] }>; write(): ArrayBuffer } };
      DicomMetaDictionary: { dictionary: Record<string, { vr: string; name: string } | undefined>; uid(): string };
    };
  };
  export default dcmjs;
}
