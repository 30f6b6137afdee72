#!/usr/bin/env python3
"""Regenerates the seed corpora from the fixtures' POMs (run from the repository root).

seeds/pom/: every POM of fixtures/ as it is.
seeds/workspace/: one input per fixture project: its root POM and up to three module POMs
joined with NUL bytes, module directories renamed to the fuzz target's a, b, a/c.
"""
import hashlib, os, re, glob

here = os.path.dirname(os.path.abspath(__file__))
fixtures = os.path.join(here, '..', '..', 'fixtures')

def put(kind, data):
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(here, kind, name), 'wb') as f:
        f.write(data)

for path in sorted(glob.glob(os.path.join(fixtures, '**', 'pom.xml'), recursive=True)):
    put('pom', open(path, 'rb').read())

projects = [os.path.join(fixtures, 'xuecheng')]
for group in ('reactor', 'reactor-errors', 'bad'):
    projects += sorted(glob.glob(os.path.join(fixtures, group, '*', '')))
for project in projects:
    if not os.path.isdir(project):
        continue
    root = os.path.join(project, 'pom.xml')
    if os.path.isfile(root):
        text = open(root, encoding='latin-1').read()
        modules = re.findall(r'<module>([^<]+)</module>', text)
    else:  # sibling projects, no aggregator: the parent plays the root
        modules = [d for d in sorted(os.listdir(project)) if os.path.isfile(os.path.join(project, d, 'pom.xml'))]
        parent = next((m for m in modules if m.endswith('parent')), None)
        if parent is None:
            continue
        modules.remove(parent)
        text = open(os.path.join(project, parent, 'pom.xml'), encoding='latin-1').read()
        root = None
    names = ['a', 'b']
    parts = []
    for old, new in zip(modules, names):
        text = text.replace('<module>%s</module>' % old, '<module>%s</module>' % new)
    parts.append(text)
    for old, new in zip(modules, names):
        child = os.path.join(project, old, 'pom.xml')
        if not os.path.isfile(child):
            continue
        body = re.sub(r'<relativePath>[^<]*</relativePath>', '<relativePath>../pom.xml</relativePath>', open(child, encoding='latin-1').read())
        parts.append(body)
    put('workspace', '\0'.join(parts).encode('latin-1'))
