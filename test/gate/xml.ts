/**
 * A small XML reader for the tests: elements, attributes, text and the five predefined entities
 * (plus numeric references), with the prolog skipped. It throws on anything malformed (an unclosed
 * or mismatched tag, a bare "&" or "<"), so a test that parses JUnit output also checks it is XML.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decode(s: string): string {
  if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(s)) throw new Error(`bare & in ${JSON.stringify(s)}`);
  if (s.includes("<")) throw new Error(`bare < in ${JSON.stringify(s)}`);
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (_m, e: string) =>
    e.startsWith("#x")
      ? String.fromCodePoint(Number.parseInt(e.slice(2), 16))
      : e.startsWith("#")
        ? String.fromCodePoint(Number(e.slice(1)))
        : ENTITIES[e],
  );
}

export function parseXml(text: string): XmlElement {
  let at = 0;
  const prolog = /^<\?xml[^?]*\?>\s*/.exec(text);
  if (prolog) at = prolog[0].length;
  const tag = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"]*")*)\s*(\/?)>/y;
  const attr = /([A-Za-z_][\w.-]*)="([^"]*)"/g;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (at < text.length) {
    const lt = text.indexOf("<", at);
    const chunk = text.slice(at, lt === -1 ? text.length : lt);
    if (stack.length > 0) stack[stack.length - 1].text += decode(chunk);
    else if (chunk.trim() !== "") throw new Error(`text outside the root: ${JSON.stringify(chunk)}`);
    if (lt === -1) break;
    tag.lastIndex = lt;
    const m = tag.exec(text);
    if (!m) throw new Error(`malformed tag at ${lt}: ${JSON.stringify(text.slice(lt, lt + 40))}`);
    at = tag.lastIndex;
    const [, closing, name, attrText, selfClosing] = m;
    if (closing) {
      const open = stack.pop();
      if (open?.name !== name) throw new Error(`</${name}> closes <${open?.name}>`);
      if (stack.length === 0) root = open;
      continue;
    }
    const el: XmlElement = { name, attrs: {}, children: [], text: "" };
    for (const a of attrText.matchAll(attr)) {
      if (a[1] in el.attrs) throw new Error(`attribute ${a[1]} twice on <${name}>`);
      el.attrs[a[1]] = decode(a[2]);
    }
    if (stack.length > 0) stack[stack.length - 1].children.push(el);
    else if (root) throw new Error("two root elements");
    if (selfClosing) {
      if (stack.length === 0) root = el;
    } else stack.push(el);
  }
  if (stack.length > 0) throw new Error(`<${stack[stack.length - 1].name}> is never closed`);
  if (!root) throw new Error("no root element");
  return root;
}
