// Python's shlex.split (POSIX mode), which docker-compose applies to a
// command or entrypoint written as one string.
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error('No closing quotation');
      word += text.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      i++;
      for (; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === '\\' && i + 1 < text.length && '\\"$`\n'.includes(text[i + 1]!)) i++;
        word += text[i];
      }
      if (i >= text.length) throw new Error('No closing quotation');
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 >= text.length) throw new Error('No escaped character');
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}
