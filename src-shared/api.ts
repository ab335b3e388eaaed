/** The typed bridge between renderer and main; environment-free (no Node, DOM or Vue imports). */
export interface AeimgBridge {
  app: {
    version(): Promise<string>;
  };
}
