import type { SnippetPart } from '@common/library-schema';

/** A search hit's context: matched parts in <mark>, everything as text (main sends parts, never HTML). */
export function Snippet({ parts }: { parts: readonly SnippetPart[] }) {
  return (
    <span className="snippet">
      {parts.map((p, i) => (p.hit ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>))}
    </span>
  );
}
