import { scenario } from './scenario.ts'

export const handler = async () => scenario()
