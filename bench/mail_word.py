"""What Word writes around the text: the HTML Outlook sends, and the parts a .docx carries beside
document.xml (styles, theme, settings, properties), for generated mail of realistic weight."""

from __future__ import annotations

import random

# The <head> Outlook 2007-2013 writes above every HTML message (Word's "filtered medium" HTML).
_WORD_HEAD = """<html xmlns:v="urn:schemas-microsoft-com:vml" \
xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" \
xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40">\
<head><meta http-equiv=Content-Type content="text/html; \
charset=windows-1250"><meta name=Generator content="Microsoft Word 14 (filtered medium)"><style><!--
/* Font Definitions */
@font-face
\t{font-family:Calibri;
\tpanose-1:2 15 5 2 2 2 4 3 2 4;}
/* Style Definitions */
p.MsoNormal, li.MsoNormal, div.MsoNormal
\t{margin:0cm;
\tmargin-bottom:.0001pt;
\tfont-size:11.0pt;
\tfont-family:"Calibri","sans-serif";
\tmso-fareast-language:EN-US;}
a:link, span.MsoHyperlink
\t{mso-style-priority:99;
\tcolor:blue;
\ttext-decoration:underline;}
span.StylWiadomosciEmail17
\t{mso-style-type:personal-compose;
\tfont-family:"Calibri","sans-serif";
\tcolor:windowtext;}
.MsoChpDefault
\t{mso-style-type:export-only;
\tfont-family:"Calibri","sans-serif";
\tmso-fareast-language:EN-US;}
@page WordSection1
\t{size:612.0pt 792.0pt;
\tmargin:70.85pt 70.85pt 70.85pt 70.85pt;}
div.WordSection1
\t{page:WordSection1;}
--></style><!--[if gte mso 9]><xml>
<o:shapedefaults v:ext="edit" spidmax="1026" />
</xml><![endif]--><!--[if gte mso 9]><xml>
<o:shapelayout v:ext="edit">
<o:idmap v:ext="edit" data="1" />
</o:shapelayout></xml><![endif]--></head><body lang=PL link=blue vlink=purple>\
<div class=WordSection1>"""


def word_html(text: str) -> str:
    """The HTML Outlook writes: Word's head and styles, a <p class=MsoNormal> a line."""
    paras = "".join(f"<p class=MsoNormal>{line or '<o:p>&nbsp;</o:p>'}<o:p></o:p></p>"
                    for line in text.split("\n"))
    return f"{_WORD_HEAD}{paras}</div></body></html>\n"


_PKG = "http://schemas.openxmlformats.org"
_DOC = "application/vnd.openxmlformats-officedocument"
_REL = f"{_PKG}/officeDocument/2006/relationships"
_PKG_CT = "application/vnd.openxmlformats-package"
_W = f'xmlns:w="{_PKG}/wordprocessingml/2006/main"'
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# Word 2010's table styles: each family in plain and six accents, written out in full.
_FAMILIES = ("Light Shading", "Light List", "Light Grid", "Medium Shading 1", "Medium Shading 2",
             "Medium List 1", "Medium List 2", "Medium Grid 1", "Medium Grid 2", "Medium Grid 3",
             "Dark List", "Colorful Shading", "Colorful List", "Colorful Grid")
_ACCENTS = ("000000", "4F81BD", "C0504D", "9BBB59", "8064A2", "4BACC6", "F79646")
_PARTS_OF_TABLE = ("firstRow", "lastRow", "firstCol", "lastCol", "band1Vert", "band1Horz")
_LATENT = ("Normal", *(f"heading {i}" for i in range(1, 10)), *(f"toc {i}" for i in range(1, 10)),
           "caption", "Title", "Default Paragraph Font", "Subtitle", "Strong", "Emphasis",
           "Table Grid", "Placeholder Text", "No Spacing", "Revision", "List Paragraph", "Quote",
           "Intense Quote", "Subtle Emphasis", "Intense Emphasis", "Subtle Reference",
           "Intense Reference", "Book Title", "Bibliography", "TOC Heading")


def _table_style(rng: random.Random, family: str, accent: int) -> str:
    name = family if accent == 0 else f"{family} Accent {accent}"
    color = _ACCENTS[accent]
    border = (f'<w:top w:val="single" w:sz="{rng.choice((4, 8))}" w:space="0" w:color="{color}"/>'
              f'<w:bottom w:val="single" w:sz="8" w:space="0" w:color="{color}"/>')
    tint = f'<w:color w:val="{color}"/>'
    parts = "".join(
        f'<w:tblStylePr w:type="{kind}"><w:pPr><w:spacing w:before="0" w:after="0" w:line="240" '
        f'w:lineRule="auto"/></w:pPr><w:rPr><w:b/><w:bCs/>{tint if i % 2 else ""}</w:rPr><w:tblPr/>'
        f'<w:tcPr><w:tcBorders>{border}</w:tcBorders><w:shd w:val="clear" w:color="auto" '
        f'w:fill="{rng.randrange(16**6):06X}"/></w:tcPr></w:tblStylePr>'
        for i, kind in enumerate(_PARTS_OF_TABLE))
    return (f'<w:style w:type="table" w:styleId="{name.replace(" ", "")}"><w:name w:val="{name}"/>'
            f'<w:basedOn w:val="TableNormal"/><w:uiPriority w:val="{60 + len(family) % 14}"/><w:rsid '
            f'w:val="00{rng.randrange(16**6):06X}"/><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule='
            f'"auto"/></w:pPr><w:tblPr><w:tblStyleRowBandSize w:val="1"/><w:tblStyleColBandSize w:val='
            f'"1"/><w:tblBorders>{border}</w:tblBorders></w:tblPr>{parts}</w:style>')


def _styles(rng: random.Random) -> str:
    latent = "".join(f'<w:lsdException w:name="{name}" w:uiPriority="{i}" w:qFormat="1"/>'
                     for i, name in enumerate(_LATENT))
    tables = "".join(_table_style(rng, family, accent) for family in _FAMILIES for accent in range(7))
    return (f"{_XML}<w:styles {_W}><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:asciiTheme="
            '"minorHAnsi" w:hAnsiTheme="minorHAnsi"/><w:sz w:val="22"/><w:lang w:val="pl-PL"/></w:rPr>'
            '</w:rPrDefault></w:docDefaults><w:latentStyles w:defLockedState="0" w:defUIPriority="99" '
            f'w:count="267">{latent}</w:latentStyles>{tables}</w:styles>')


# The theme's fonts for the other scripts, as Office 2010 lists them.
_SCRIPT_FONTS = (
    ("Jpan", "ＭＳ ゴシック"), ("Hang", "맑은 고딕"), ("Hans", "宋体"), ("Hant", "新細明體"),
    ("Arab", "Times New Roman"), ("Hebr", "Times New Roman"), ("Thai", "Angsana New"),
    ("Ethi", "Nyala"), ("Beng", "Vrinda"), ("Gujr", "Shruti"), ("Khmr", "MoolBoran"),
    ("Knda", "Tunga"), ("Guru", "Raavi"), ("Cans", "Euphemia"), ("Cher", "Plantagenet Cherokee"),
    ("Yiii", "Microsoft Yi Baiti"), ("Tibt", "Microsoft Himalaya"), ("Thaa", "MV Boli"),
    ("Deva", "Mangal"), ("Telu", "Gautami"), ("Taml", "Latha"), ("Syrc", "Estrangelo Edessa"),
    ("Orya", "Kalinga"), ("Mlym", "Kartika"), ("Laoo", "DokChampa"), ("Sinh", "Iskoola Pota"),
    ("Mong", "Mongolian Baiti"), ("Viet", "Times New Roman"), ("Uigh", "Microsoft Uighur"))


def _gradient(rng: random.Random) -> str:
    stops = "".join(f'<a:gs pos="{pos}"><a:schemeClr val="phClr"><a:tint val="{rng.randint(10, 99) * 1000}"/>'
                    f'<a:satMod val="{rng.randint(100, 350) * 1000}"/></a:schemeClr></a:gs>'
                    for pos in (0, 35000, 100000))
    return (f'<a:gradFill rotWithShape="1"><a:gsLst>{stops}</a:gsLst><a:lin '
            f'ang="{rng.randint(0, 360) * 60000}" scaled="1"/></a:gradFill>')


def _theme(rng: random.Random) -> str:
    colors = "".join(f'<a:{name}><a:srgbClr val="{rng.randrange(16**6):06X}"/></a:{name}>'
                     for name in ("dk2", "lt2", *(f"accent{i}" for i in range(1, 7)), "hlink", "folHlink"))
    fonts = "".join(f'<a:font script="{script}" typeface="{face}"/>' for script, face in _SCRIPT_FONTS)
    fills = "".join(_gradient(rng) for _ in range(6))
    return (f'{_XML}<a:theme xmlns:a="{_PKG}/drawingml/2006/main" name="Motyw pakietu Office">'
            f'<a:themeElements><a:clrScheme name="Pakiet Office">{colors}</a:clrScheme>'
            f'<a:fontScheme name="Pakiet Office"><a:majorFont><a:latin typeface="Cambria"/>{fonts}'
            f'</a:majorFont><a:minorFont><a:latin typeface="Calibri"/>{fonts}</a:minorFont></a:fontScheme>'
            f'<a:fmtScheme name="Pakiet Office"><a:fillStyleLst>{fills}</a:fillStyleLst></a:fmtScheme>'
            "</a:themeElements></a:theme>")


def thumbnail(rng: random.Random) -> bytes:
    """The preview picture Word saves with "save thumbnail": a small JPEG, compressed already."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + \
        rng.randbytes(rng.randint(6_000, 12_000)) + b"\xff\xd9"


def _settings(rng: random.Random) -> str:
    rsids = "".join(f'<w:rsid w:val="00{rng.randrange(16**6):06X}"/>' for _ in range(24))
    return (f'{_XML}<w:settings {_W}><w:zoom w:percent="100"/><w:defaultTabStop w:val="708"/>'
            f'<w:rsids>{rsids}</w:rsids><w:themeFontLang w:val="pl-PL"/></w:settings>')


def _fonts(rng: random.Random) -> str:
    fonts = "".join(f'<w:font w:name="{font}"><w:panose1 w:val="{rng.randrange(16**20):020X}"/><w:charset '
                    'w:val="EE"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>'
                    for font in ("Calibri", "Times New Roman", "Cambria", "Arial"))
    return f"{_XML}<w:fonts {_W}>{fonts}</w:fonts>"


def word_package(files: dict[str, str], rng: random.Random) -> dict[str, str]:
    """A minimal .docx's files plus what Word writes beside them, so the file weighs what a
    real form does (the devset's is 37 kB, mostly two style sheets)."""
    ms = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
    # part name: (text, content type, relationship type from document.xml or "" if none)
    extra = {
        "word/styles.xml": (_styles(rng), f"{_DOC}.wordprocessingml.styles+xml", f"{_REL}/styles"),
        "word/stylesWithEffects.xml": (_styles(rng), "application/vnd.ms-word.stylesWithEffects+xml", ms),
        "word/settings.xml": (_settings(rng), f"{_DOC}.wordprocessingml.settings+xml", f"{_REL}/settings"),
        "word/fontTable.xml": (_fonts(rng), f"{_DOC}.wordprocessingml.fontTable+xml", f"{_REL}/fontTable"),
        "word/theme/theme1.xml": (_theme(rng), f"{_DOC}.theme+xml", f"{_REL}/theme"),
        "docProps/core.xml": (f'{_XML}<cp:coreProperties xmlns:cp="{_PKG}/package/2006/metadata/core-'
                              'properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>UMK'
                              f"</dc:creator><cp:revision>{rng.randint(2, 9)}</cp:revision>"
                              "</cp:coreProperties>", f"{_PKG_CT}.core-properties+xml", ""),
    }
    types = '<Default Extension="jpeg" ContentType="image/jpeg"/>' + "".join(
        f'<Override PartName="/{name}" ContentType="{ctype}"/>' for name, (_, ctype, _) in extra.items())
    rels = "".join(f'<Relationship Id="rId{i}" Type="{kind}" Target="{name.removeprefix("word/")}"/>'
                   for i, (name, (_, _, kind)) in enumerate(extra.items(), 1) if kind)
    meta = f"{_PKG}/package/2006/relationships/metadata"
    out = dict(files)
    out["[Content_Types].xml"] = files["[Content_Types].xml"].replace("</Types>", types + "</Types>")
    out["_rels/.rels"] = files["_rels/.rels"].replace(
        "</Relationships>", f'<Relationship Id="rId2" Type="{meta}/core-properties" Target="docProps/'
        f'core.xml"/><Relationship Id="rId3" Type="{meta}/thumbnail" Target="docProps/thumbnail.jpeg"/>'
        "</Relationships>")
    out["word/_rels/document.xml.rels"] = (f'{_XML}<Relationships xmlns="{_PKG}/package/2006/relationships">'
                                           f"{rels}</Relationships>")
    out.update({name: text for name, (text, _, _) in extra.items()})
    return out
