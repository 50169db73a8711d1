import { Client } from '@opensearch-project/opensearch'
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws'
import type { KinesisStreamEvent } from 'aws-lambda'
import { deaggregate, type TaxiTrip } from 'tributary-pipeline/producer'
import { enrich, invalidReason } from './enrich.ts'

// `writes: [{ index: 'trips' }]` sets TRIBUTARY_INDEX_TRIPS: the OpenSearch API that `tributary
// dev` serves under /_opensearch, or the OpenSearch Service domain once deployed (whose role the
// deployment grants es:ESHttp* on this index). The domain takes only SigV4-signed requests: the
// signer uses the function's credentials (its role on Lambda); Tributary accepts signed requests.
const client = new Client({
  ...AwsSigv4Signer({ region: process.env.AWS_REGION ?? 'us-east-1', service: 'es' }),
  node: process.env.TRIBUTARY_INDEX_TRIPS ?? 'http://127.0.0.1:4567/_opensearch',
})

/**
 * Indexes every valid trip, enriched as in the lake, into the `trips` search index for
 * exploration (the seed's OpenSearch). The trip id is the document id, so a retried batch
 * overwrites the same documents. A batch with a document OpenSearch refused fails, and the
 * mapping retries it.
 */
export const handler = async (event: KinesisStreamEvent) => {
  const index = process.env.INDEX_NAME ?? 'trips'
  const body: unknown[] = []
  for (const record of event.Records)
    for (const user of deaggregate(record)) {
      const text = user.data.toString('utf8')
      if (invalidReason(text) !== undefined) continue // the delivery's error prefix keeps those
      const trip = enrich(JSON.parse(text) as TaxiTrip)
      body.push({ index: { _index: index, _id: trip.trip_id } }, trip)
    }
  if (body.length === 0) return { indexed: 0 }
  const { body: reply } = await client.bulk({ body: body as never })
  if (reply.errors) {
    const refused = reply.items.find((i) => i.index?.error)?.index
    throw new Error(`OpenSearch refused trip ${refused?._id}: ${JSON.stringify(refused?.error)}`)
  }
  return { indexed: body.length / 2 }
}
