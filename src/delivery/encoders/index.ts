export { COMPRESSIONS, DEFAULT_ZIP_ENTRY, GZIP_LEVEL, ZIP_LEVEL } from './compression.ts'
export { crc32c, maskedCrc32c } from './crc32c.ts'
export { CONTENT_TYPE, encodeSync } from './encode.ts'
export { CorruptStreamError, EncodeRequestError, EncoderClosedError, EncoderCrashedError } from './errors.ts'
export { parseTimestamp } from './glue-types.ts'
export { InlineEncoder } from './inline.ts'
export { MALFORMED_DATA, PARSE_ERROR, ROW_GROUP_ROWS } from './parquet.ts'
export { defaultPoolSize, EncoderPool, type EncoderPoolOptions } from './pool.ts'
export {
  HADOOP_BLOCK_SIZE,
  hadoopSnappy,
  hadoopUnsnappy,
  SNAPPY_FRAME_MAX,
  snappyFrame,
  snappyUnframe,
} from './snappy.ts'
