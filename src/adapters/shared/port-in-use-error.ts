/** A port certflow must listen on is taken; the message says which variable moves it. */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(
    readonly port: number,
    readonly variable: string,
  ) {
    super(
      `port ${port} (${variable}) is already in use: is certflow already running? Stop the other instance, ` +
        `choose another port with ${variable}=<port>, or set TEMPORAL_ADDRESS to use the server on it`,
    );
  }
}
