// The HTTP/1.x decoder of the http1-tls plugin.
export { Http1Decoder } from './decoder';
export { encodeBody } from './body-capture';
export { DEFAULT_REDACT, type CapturedChunk, type Http1DecoderOptions, type Http1Record } from './types';
