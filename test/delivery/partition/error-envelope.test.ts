import { describe, expect, it } from 'vitest'
import {
  formatConversionFailedEnvelope,
  partitioningFailedEnvelope,
  processingFailedEnvelope,
} from '../../../src/delivery/partition/error-envelope.ts'

const base = {
  attemptsMade: 4,
  arrivalTimestamp: 1_714_568_400_000,
  attemptEndingTimestamp: 1_714_568_460_000,
  rawData: Buffer.from('{"id":1}\n'),
}

describe('error envelopes', () => {
  it('processing-failed has the documented fields in order', () => {
    const line = processingFailedEnvelope({
      ...base,
      errorCode: 'Lambda.FunctionError',
      errorMessage: 'The Lambda function was successfully invoked but it returned an error result.',
      lambdaArn: 'arn:aws:lambda:us-east-1:000000000000:function:enrich',
    })
    expect(line).toMatchInlineSnapshot(
      `"{"attemptsMade":4,"arrivalTimestamp":1714568400000,"errorCode":"Lambda.FunctionError","errorMessage":"The Lambda function was successfully invoked but it returned an error result.","attemptEndingTimestamp":1714568460000,"rawData":"eyJpZCI6MX0K","lambdaArn":"arn:aws:lambda:us-east-1:000000000000:function:enrich"}"`,
    )
    expect(Buffer.from(JSON.parse(line).rawData, 'base64')).toEqual(base.rawData)
  })

  it('partitioning-failed', () => {
    expect(
      partitioningFailedEnvelope({
        ...base,
        attemptsMade: 1,
        errorCode: 'DynamicPartitioning.MetadataExtractionFailed',
        errorMessage: 'Non JSON record provided',
        rawData: Buffer.from([0xff, 0x00, 0x0a]),
      }),
    ).toMatchInlineSnapshot(
      `"{"attemptsMade":1,"arrivalTimestamp":1714568400000,"errorCode":"DynamicPartitioning.MetadataExtractionFailed","errorMessage":"Non JSON record provided","attemptEndingTimestamp":1714568460000,"rawData":"/wAK"}"`,
    )
  })

  it('format-conversion-failed', () => {
    const line = formatConversionFailedEnvelope({
      ...base,
      attemptsMade: 1,
      errorCode: 'DataFormatConversion.MalformedData',
      errorMessage: 'The given record is not valid JSON.',
      sequenceNumber: '49590338271490256608559692538361571095921575989136588898',
      subSequenceNumber: null,
      dataCatalogTable: {
        catalogId: '000000000000',
        databaseName: 'lake',
        tableName: 'readings',
        region: 'us-east-1',
        versionId: 'LATEST',
        catalogArn: 'arn:aws:glue:us-east-1:000000000000:catalog',
      },
    })
    expect(JSON.parse(line)).toMatchInlineSnapshot(`
      {
        "arrivalTimestamp": 1714568400000,
        "attemptEndingTimestamp": 1714568460000,
        "attemptsMade": 1,
        "dataCatalogTable": {
          "catalogArn": "arn:aws:glue:us-east-1:000000000000:catalog",
          "catalogId": "000000000000",
          "databaseName": "lake",
          "region": "us-east-1",
          "tableName": "readings",
          "versionId": "LATEST",
        },
        "lastErrorCode": "DataFormatConversion.MalformedData",
        "lastErrorMessage": "The given record is not valid JSON.",
        "rawData": "eyJpZCI6MX0K",
        "sequenceNumber": "49590338271490256608559692538361571095921575989136588898",
        "subSequenceNumber": null,
      }
    `)
    expect(Object.keys(JSON.parse(line))).toEqual([
      'attemptsMade',
      'arrivalTimestamp',
      'lastErrorCode',
      'lastErrorMessage',
      'attemptEndingTimestamp',
      'rawData',
      'sequenceNumber',
      'subSequenceNumber',
      'dataCatalogTable',
    ])
    expect(line).not.toContain('\n')
  })
})
