#!/usr/bin/env python3
"""Check a header vouch wrote, by the grammar, not by its look.

    ar_check.py FILE [--field NAME] [--expect METHOD=RESULT ...]
                     [--client-ip IP]

FILE holds a message (or just header fields).  Its header section must
hold exactly one field NAME (Authentication-Results by default, RFC 8601
2.2; or Received-SPF, RFC 7208 9.1), every line of it printable ASCII
ending in the same line ending; the field must parse completely, and its
results must be exactly the --expect list (in order; a result may be
a shell pattern, as in spf=*).  For Received-SPF,
--expect gives the result and --client-ip the one client-ip= key.
Exit 0 when all holds, 1 otherwise (with the reason on stderr).
"""
import re
import sys

TSPECIALS = set('()<>@,;:\\"/[]?=')


class Bad(Exception):
    pass


class Lexer:
    def __init__(self, s):
        self.s, self.i = s, 0

    def cfws(self):
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c in ' \t':
                self.i += 1
            elif c == '(':
                depth = 0
                while True:
                    if self.i >= len(s):
                        raise Bad('comment does not end')
                    c = s[self.i]
                    if c == '\\':
                        self.i += 2
                        continue
                    if c == '(':
                        depth += 1
                    elif c == ')':
                        depth -= 1
                        if depth == 0:
                            self.i += 1
                            break
                    self.i += 1
            else:
                break

    def peek(self):
        self.cfws()
        return self.s[self.i] if self.i < len(self.s) else ''

    def char(self, c):
        if self.peek() != c:
            raise Bad('expected %r at %d: %r' % (c, self.i, self.s[self.i:self.i + 20]))
        self.i += 1

    def token(self):
        self.cfws()
        j = self.i
        while j < len(self.s) and self.s[j] > ' ' and self.s[j] < '\x7f' \
                and self.s[j] not in TSPECIALS:
            j += 1
        if j == self.i:
            raise Bad('expected a token at %d: %r' % (self.i, self.s[self.i:self.i + 20]))
        t, self.i = self.s[self.i:j], j
        return t

    def quoted(self):
        self.char('"')
        out = []
        while True:
            if self.i >= len(self.s):
                raise Bad('quoted-string does not end')
            c = self.s[self.i]
            if c == '\\':
                out.append(self.s[self.i + 1])
                self.i += 2
            elif c == '"':
                self.i += 1
                return ''.join(out)
            else:
                out.append(c)
                self.i += 1

    def value(self):
        return self.quoted() if self.peek() == '"' else self.token()

    def dot_atom(self):
        self.cfws()
        m = re.compile(r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+(\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+)*").match(self.s, self.i)
        if not m:
            raise Bad('expected a dot-atom at %d' % self.i)
        self.i = m.end()
        return m.group(0)

    def pvalue(self):
        # RFC 8601 2.2: value / [ [ local-part ] "@" ] domain-name
        self.cfws()
        m = re.compile(r"([A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]*@)?[A-Za-z0-9_.\-]+(?=[\s;(]|$)").match(self.s, self.i)
        if m and '@' in m.group(0):
            self.i = m.end()
            return m.group(0)
        return self.value()

    def end(self):
        self.cfws()
        return self.i >= len(self.s)


def header_fields(data):
    """The header section's fields, unfolded; checks the bytes."""
    text = data.decode('ascii')     # raises on any non-ASCII byte
    crlf = '\r\n' in text.split('\n', 1)[0] + '\n'
    head = re.split(r'\r?\n\r?\n', text, maxsplit=1)[0]
    lines = head.split('\r\n' if crlf else '\n')
    while lines and lines[-1] == '':
        lines.pop()
    # vouch verify --format ar names the message on a comment line first
    while lines and lines[0].startswith('# '):
        if any(ord(c) < 32 for c in lines[0]):
            raise Bad('control byte in the comment line')
        lines.pop(0)
    fields = []
    for ln in lines:
        if any(ord(c) < 32 and c != '\t' for c in ln) or '\x7f' in ln:
            raise Bad('control byte in a header line: %r' % ln)
        if len(ln) > 998:
            raise Bad('line longer than 998')
        if ln[:1] in (' ', '\t'):
            if not fields:
                raise Bad('starts with a folded line')
            fields[-1] += ln
        else:
            if ':' not in ln:
                raise Bad('header line without a colon: %r' % ln)
            fields.append(ln)
    return fields


def parse_ar(v):
    lx = Lexer(v)
    lx.value()                      # authserv-id
    if re.match(r'\s*\d', lx.s[lx.i:]):
        lx.token()
    res = []
    if lx.peek() != ';':
        raise Bad('no resinfo')
    while lx.peek() == ';':
        lx.char(';')
        if lx.end():
            break
        method = lx.token()
        if lx.peek() == '/':
            lx.char('/')
            lx.token()
        lx.char('=')
        result = lx.token()
        if method == 'none' and False:
            pass
        res.append('%s=%s' % (method, result))
        if lx.peek() and lx.s[lx.i:lx.i + 6] == 'reason':
            lx.token()
            lx.char('=')
            lx.value()
        while lx.peek() not in ('', ';'):
            prop = lx.token()
            if not re.match(r'^[A-Za-z][A-Za-z0-9-]*\.[A-Za-z0-9_.-]+$', prop):
                raise Bad('expected ptype.property, got %r' % prop)
            lx.char('=')
            lx.pvalue()
    if not lx.end():
        raise Bad('trailing text at %d: %r' % (lx.i, lx.s[lx.i:]))
    return res


def parse_received_spf(v):
    lx = Lexer(v)
    result = lx.token()
    keys = {}
    while not lx.end():
        k = lx.token()
        lx.char('=')
        keys.setdefault(k, []).append(lx.quoted() if lx.peek() == '"' else lx.dot_atom())
        if lx.peek() == ';':
            lx.char(';')
    return [result], keys


def main(argv):
    path, field, expect, cip = argv[1], 'Authentication-Results', [], None
    i = 2
    while i < len(argv):
        if argv[i] == '--field':
            field = argv[i + 1]
        elif argv[i] == '--expect':
            expect.append(argv[i + 1])
        elif argv[i] == '--client-ip':
            cip = argv[i + 1]
        i += 2
    try:
        fields = header_fields(open(path, 'rb').read())
        mine = [f for f in fields if f.split(':', 1)[0].strip().lower() == field.lower()]
        if len(mine) != 1:
            raise Bad('%d %s fields, want exactly 1' % (len(mine), field))
        value = mine[0].split(':', 1)[1]
        if field.lower() == 'received-spf':
            got, keys = parse_received_spf(value)
            if cip is not None and keys.get('client-ip') != [cip]:
                raise Bad('client-ip is %r, want [%r]' % (keys.get('client-ip'), cip))
            for k, vals in keys.items():
                if len(vals) != 1:
                    raise Bad('key %s given %d times' % (k, len(vals)))
        else:
            got = parse_ar(value)
        import fnmatch
        if expect and (len(got) != len(expect) or not all(
                fnmatch.fnmatchcase(g, e) for g, e in zip(got, expect))):
            raise Bad('results %s, want %s' % (got, expect))
    except (Bad, UnicodeDecodeError, IndexError) as e:
        sys.stderr.write('%s: %s\n' % (path, e))
        return 1
    print(' '.join(got))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
