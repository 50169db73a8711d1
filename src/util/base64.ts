/** Base64 as the AWS APIs carry a Blob: the standard alphabet, padded to a multiple of 4. */
export const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
