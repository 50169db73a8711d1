/**
 * A small, strict XML reader for S3's request documents (notification configurations): elements,
 * text and the predefined entities; a prolog and comments are skipped. Anything else (a tag left
 * open, mismatched, text after the root) is S3's MalformedXML.
 */
import { S3Error, unescapeXml } from './xml.ts'

/** One element: its local name (namespace prefix dropped), child elements and text. */
export interface XmlElement {
  name: string
  children: XmlElement[]
  text: string
}

export const malformedXml = () =>
  new S3Error(
    'MalformedXML',
    'The XML you provided was not well-formed or did not validate against our published schema',
  )

const TOKEN =
  /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)|(<)/g

/** Parses a whole document into its root element; throws MalformedXML. */
export function parseXml(text: string): XmlElement {
  const stack: XmlElement[] = []
  let root: XmlElement | undefined
  for (const m of text.matchAll(TOKEN)) {
    const [all, cdata, closing, rawName, , selfClosing, chars, stray] = m
    if (stray !== undefined) throw malformedXml()
    if (chars !== undefined || cdata !== undefined) {
      const top = stack.at(-1)
      const content = cdata ?? unescapeXml(chars!)
      if (!top) {
        if (content.trim() !== '') throw malformedXml()
        continue
      }
      top.text += content
      continue
    }
    if (rawName === undefined) continue // comment or processing instruction
    if (all.startsWith('<?') || all.startsWith('<!--')) continue
    const name = rawName.includes(':') ? rawName.slice(rawName.indexOf(':') + 1) : rawName
    if (closing) {
      const open = stack.pop()
      if (!open || open.name !== name) throw malformedXml()
      if (stack.length === 0) root = open
      continue
    }
    if (root) throw malformedXml()
    const element: XmlElement = { name, children: [], text: '' }
    stack.at(-1)?.children.push(element)
    if (selfClosing) {
      if (stack.length === 0) root = element
    } else stack.push(element)
  }
  if (!root || stack.length > 0) throw malformedXml()
  return root
}

/** The children of `element` named `name`. */
export const childrenNamed = (element: XmlElement, name: string) =>
  element.children.filter((c) => c.name === name)

/** The trimmed text of the single child `name`; undefined when absent, MalformedXML when repeated. */
export function childText(element: XmlElement, name: string): string | undefined {
  const found = childrenNamed(element, name)
  if (found.length > 1) throw malformedXml()
  return found[0]?.text.trim()
}
