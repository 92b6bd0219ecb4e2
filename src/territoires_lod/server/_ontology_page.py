"""The ontology's page: pyLODE's documentation, finished for this site.

pyLODE names each term's section after its label (`danslargion`) while pages link to terms by
their local name (`/def#inRegion`); it runs a term's French and English labels together in the
heading ("dans la régionin region"); and its page has no language nor links to the ontology's
other formats. Each is mended here, on the HTML pyLODE writes.
"""

from __future__ import annotations

import html as html_lib
import re

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDFS

from ._linkeddata import FORMAT_LABELS, ONTOLOGY_IRI
from ._media import format_by_key

# A term's section: its opening tag with pyLODE's id, then the term's IRI.
_TERM_SECTION = re.compile(r'(<div class="[^"]*\bentity\b[^"]*" id="([^"]*)">)(.*?<code>)([^<]+)</code>', re.S)
ALTERNATES = ("turtle", "jsonld", "ntriples", "rdfxml")


def finish_ontology_page(page: str, ontology: Graph) -> str:
    page = anchor_terms(page, ONTOLOGY_IRI + "#")
    page = separate_labels(page, ontology)
    formats = [format_by_key(key) for key in ALTERNATES]
    links = "".join(f'\n    <link rel="alternate" type="{f.media_type}" href="/def.{f.extension}" '
                    f'title="{FORMAT_LABELS[f.key]}">' for f in formats)
    page = page.replace("<html>", '<html lang="en">', 1)  # pyLODE's own words are English
    return page.replace("</head>", links + "\n  </head>", 1)


def anchor_terms(page: str, namespace: str) -> str:
    """Give each term's section its local name as an anchor too."""
    def anchored(match: re.Match) -> str:
        opening, section_id, between, iri = match.groups()
        local = iri.removeprefix(namespace) if iri.startswith(namespace) else None
        anchor = f'<span id="{html_lib.escape(local)}"></span>' if local and local != section_id else ""
        return f"{opening}{anchor}{between}{iri}</code>"
    return _TERM_SECTION.sub(anchored, page)


def separate_labels(page: str, ontology: Graph) -> str:
    """`dans la régionin region` (title, headings, contents) → each label in its language, apart."""
    named = [(term, RDFS.label) for term in set(ontology.subjects(RDFS.label, None))]
    named.append((URIRef(ONTOLOGY_IRI), DCTERMS.title))  # the page's own heading
    for term, name in named:
        if not isinstance(term, URIRef):
            continue
        labels = {label.language: str(label) for label in ontology.objects(term, name)}
        french, english = labels.get("fr"), labels.get("en")
        if not french or not english:
            continue
        joined = (f'<span lang="fr">{html_lib.escape(french, quote=False)}</span> / '
                  f'<span lang="en">{html_lib.escape(english, quote=False)}</span>')
        if french == english:
            joined = html_lib.escape(french, quote=False)
        for together in {french + english, english + french, html_lib.escape(french + english, quote=False),
                         html_lib.escape(english + french, quote=False)}:
            page = page.replace(f"<h3>{together}\n", f"<h3>{joined}\n")  # the section's heading
            page = page.replace(f"<h1>{together}</h1>", f"<h1>{joined}</h1>")  # the ontology's title
            page = page.replace(f">{together}</a>", f">{joined}</a>")  # its entry in the contents
    return page
