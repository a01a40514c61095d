/**
 * Split a line into arguments the way Redis's sdssplitargs does: whitespace separates
 * arguments; "double quotes" understand \n \r \t \b \a \\ \" and \xHH; 'single quotes'
 * understand only \'; a closing quote must be followed by whitespace or the end.
 * Shared by inline commands (protocol) and redis.conf parsing (config), which Redis also
 * splits with the one function. Returns null for unbalanced quotes.
 */
export function splitArgs(line: string): string[] | null {
  const args: string[] = [];
  const n = line.length;
  let i = 0;
  for (;;) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) return args;
    let current = '';
    let inDouble = false;
    let inSingle = false;
    for (;;) {
      if (inDouble) {
        if (i >= n) return null;
        const ch = line[i];
        if (ch === '\\' && i + 3 < n && line[i + 1] === 'x' && isHex(line[i + 2]!) && isHex(line[i + 3]!)) {
          current += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (ch === '\\' && i + 1 < n) {
          i++;
          current += unescapeChar(line[i]!);
        } else if (ch === '"') {
          // The closing quote must be followed by a space or nothing at all.
          if (i + 1 < n && !isSpace(line.charCodeAt(i + 1))) return null;
          inDouble = false;
          i++;
          break;
        } else {
          current += ch;
        }
      } else if (inSingle) {
        if (i >= n) return null;
        const ch = line[i];
        if (ch === '\\' && i + 1 < n && line[i + 1] === "'") {
          i++;
          current += "'";
        } else if (ch === "'") {
          if (i + 1 < n && !isSpace(line.charCodeAt(i + 1))) return null;
          inSingle = false;
          i++;
          break;
        } else {
          current += ch;
        }
      } else {
        if (i >= n) break;
        const c = line.charCodeAt(i);
        if (isSpace(c)) break;
        if (c === 0x22) inDouble = true;
        else if (c === 0x27) inSingle = true;
        else current += line[i];
      }
      i++;
    }
    args.push(current);
  }
}

function isSpace(c: number): boolean {
  // isspace() in the C locale: space, \t, \n, \v, \f, \r
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function isHex(ch: string): boolean {
  return /^[0-9a-fA-F]$/.test(ch);
}

function unescapeChar(ch: string): string {
  switch (ch) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'b': return '\b';
    case 'a': return '\x07';
    default: return ch;
  }
}
