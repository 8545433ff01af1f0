"""`without_script_links`: no `javascript:`, `vbscript:` or `data:` link survives in text for the
customer, in any form a Markdown renderer or a browser would still read as one (issue 12, item 5:
rasa-webchat renders text as Markdown and lets every link target through)."""
from __future__ import annotations

import pytest

from naadloos.channels.script_links import without_script_links


@pytest.mark.parametrize(
    "text, expected",
    [
        # Markdown: inline link, image, pointy brackets, autolink, reference definition
        ("[klik](javascript:alert(1))", "[klik](#alert(1))"),
        ("[klik]( javascript:alert(1) )", "[klik]( #alert(1) )"),
        ("![x](javascript:alert(1))", "![x](#alert(1))"),
        ("[klik](<javascript:alert(1)>)", "[klik](<#alert(1)>)"),
        ("<javascript:alert(1)>", "<#alert(1)>"),
        ("[klik][1]\n\n[1]: javascript:alert(1)", "[klik][1]\n\n[1]: #alert(1)"),
        ("[klik][1]\n\n[1]:\n  javascript:alert(1)", "[klik][1]\n\n[1]:\n  #alert(1)"),
        # HTML
        ('<a href="javascript:alert(1)">hier</a>', '<a href="#alert(1)">hier</a>'),
        ("<a href=javascript:alert(1)>hier</a>", "<a href=#alert(1)>hier</a>"),
        ("<a href=' javascript:alert(1)'>hier</a>", "<a href=' #alert(1)'>hier</a>"),
        ('<iframe src="data:text/html,<script>alert(1)</script>">', '<iframe src="#text/html,<script>alert(1)</script>">'),
        ('<a href="vbscript:msgbox(1)">x</a>', '<a href="#msgbox(1)">x</a>'),
        # what renderers and browsers still read as the scheme: case, character references,
        # backslash escapes, tab and line feed inside it
        ("[klik](JaVaScRiPt:alert(1))", "[klik](#alert(1))"),
        ("[klik](&#106;avascript:alert(1))", "[klik](#alert(1))"),
        ("[klik](&#x6A;avascript&colon;alert(1))", "[klik](#alert(1))"),
        ("[klik](javascript&#58alert(1))", "[klik](#alert(1))"),
        ("[klik](javascript\\:alert(1))", "[klik](#alert(1))"),
        ('<a href="java\tscript:alert(1)">x</a>', '<a href="#alert(1)">x</a>'),
        ('<a href="java&Tab;script:alert(1)">x</a>', '<a href="#alert(1)">x</a>'),
        ('<a href="java\nscript:alert(1)">x</a>', '<a href="#alert(1)">x</a>'),
        ('<a href="&#0000106;avascript:alert(1)">x</a>', '<a href="#alert(1)">x</a>'),
        # a second scheme hidden behind the first
        ("[x](javascript:javascript:alert(1))", "[x](##alert(1))"),
        ("[x](javajavascript:script:alert(1))", "[x](java#script:alert(1))"),
        # data: where it can be a URL
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", "[x](#text/html;base64,PHNjcmlwdD4=)"),
        ("[x](<data: text/html,<script>alert(1)</script>>)", "[x](<# text/html,<script>alert(1)</script>>)"),
        ("<data:text/html,x>", "<#text/html,x>"),
    ],
)
def test_a_script_link_is_neutralised(text, expected):
    result = without_script_links(text)
    assert result == expected
    assert without_script_links(result) == result


@pytest.mark.parametrize(
    "text",
    [
        "Lees [onze voorwaarden](https://www.example.nl/voorwaarden).",
        "Mail ons: <mailto:klantenservice@example.nl> of bel [0800-1234567](tel:08001234567).",
        "Kijk op https://www.example.nl/storing?postcode=1234AB#kaart",
        "Je kunt kiezen uit deze data: 3 mei, 4 mei of 5 mei.",  # "data" is Dutch for dates
        "Beschikbare data:\n- 3 mei\n- 4 mei",
        "Wij verwerken je metadata:niet.",
        "Prijs & voorwaarden: &euro; 12,50 per maand",
        "Gebruik een backslash \\ of een dubbele punt: zo.",
        "",
    ],
)
def test_normal_text_and_links_stay_as_they_are(text):
    assert without_script_links(text) == text
