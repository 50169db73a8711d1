export const handler = async (event: { counter: string; n: number }) => {
  console.log(`count ${event.counter} ${event.n}`)
}
