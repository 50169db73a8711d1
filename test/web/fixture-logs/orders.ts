export const handler = async (event: { n: number }) => {
  console.log(`processing order ${event.n}`)
  if (event.n % 2 === 0) console.warn(`order ${event.n} is even`)
  return event.n
}
