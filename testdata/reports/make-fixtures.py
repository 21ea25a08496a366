#!/usr/bin/env python3
"""Writes the aggregate-report fixtures of tests/report_read.sh: the shapes
real reporters send (Google's zip, Microsoft's namespaced .xml.gz, Yahoo's
upper-case words and "Name <addr>" email, RFC 9990 with its namespace),
the faults the reader repairs, and mails, an mbox and a Maildir carrying
them.  Every report is for example.com (p=none), over 2026-11-30 UTC,
with the same three kinds of sources:
  192.0.2.10    aligned DKIM and SPF: passes
  198.51.100.20 a vendor: SPF passes for vendor.example, no DKIM: fails
  203.0.113.30  nothing passes: forged
Run it from this folder; the output is committed.
"""
import base64, gzip, io, os, zipfile

BEGIN, END = 1796083200, 1796169599   # 2026-11-30T00:00:00Z .. 23:59:59Z

def records(up=False, n=(10, 4, 2)):
    w = (lambda s: s.upper()) if up else (lambda s: s)
    return f"""
  <record>
    <row><source_ip>192.0.2.10</source_ip><count>{n[0]}</count>
      <policy_evaluated><disposition>{w('none')}</disposition><dkim>{w('pass')}</dkim><spf>{w('pass')}</spf></policy_evaluated></row>
    <identifiers><header_from>example.com</header_from><envelope_from>example.com</envelope_from></identifiers>
    <auth_results><dkim><domain>example.com</domain><selector>s1</selector><result>{w('pass')}</result></dkim>
      <spf><domain>example.com</domain><scope>mfrom</scope><result>{w('pass')}</result></spf></auth_results>
  </record>
  <record>
    <row><source_ip>198.51.100.20</source_ip><count>{n[1]}</count>
      <policy_evaluated><disposition>{w('none')}</disposition><dkim>{w('fail')}</dkim><spf>{w('fail')}</spf></policy_evaluated></row>
    <identifiers><header_from>example.com</header_from><envelope_from>bounce.vendor.example</envelope_from></identifiers>
    <auth_results><spf><domain>vendor.example</domain><scope>mfrom</scope><result>{w('pass')}</result></spf></auth_results>
  </record>
  <record>
    <row><source_ip>203.0.113.30</source_ip><count>{n[2]}</count>
      <policy_evaluated><disposition>{w('none')}</disposition><dkim>{w('fail')}</dkim><spf>{w('fail')}</spf></policy_evaluated></row>
    <identifiers><header_from>example.com</header_from></identifiers>
    <auth_results><spf><domain>example.com</domain><scope>mfrom</scope><result>{w('fail')}</result></spf></auth_results>
  </record>"""

def meta(org, email, rid, extra=""):
    return f"""  <report_metadata>
    <org_name>{org}</org_name>
    <email>{email}</email>{extra}
    <report_id>{rid}</report_id>
    <date_range><begin>{BEGIN}</begin><end>{END}</end></date_range>
  </report_metadata>
  <policy_published><domain>example.com</domain><adkim>r</adkim><aspf>r</aspf><p>none</p><sp>none</sp><pct>100</pct></policy_published>"""

def google(rid="4711000000000000001"):
    return f"""<?xml version="1.0" encoding="UTF-8" ?>
<feedback>
{meta("google.com", "noreply-dmarc-support@google.com", rid,
      chr(10) + "    <extra_contact_info>https://support.google.com/a/answer/2466580</extra_contact_info>")}{records()}
</feedback>
""".encode()

def microsoft():
    return f"""<?xml version="1.0"?>
<feedback xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <version>1.0</version>
{meta("Outlook.com", "dmarcreport@microsoft.com", "0a1b2c3d4e5f60718293a4b5c6d7e8f9")}{records(n=(20, 8, 1))}
</feedback>
""".encode()

def yahoo():
    return f"""<?xml version="1.0"?>
<feedback>
{meta("Yahoo", "Yahoo DMARC <dmarchelp@yahooinc.com>", "1796083200.123456")}{records(up=True, n=(5, 1, 3))}
</feedback>
""".encode()

def rfc9990(org="mx.receiver.example", rid="9990a1"):
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">
  <version>1.0</version>
  <report_metadata>
    <org_name>{org}</org_name>
    <email>dmarc@receiver.example</email>
    <report_id>{rid}</report_id>
    <date_range><begin>{BEGIN}</begin><end>{END}</end></date_range>
  </report_metadata>
  <policy_published><domain>example.com</domain><p>none</p><sp>none</sp><np>none</np><adkim>r</adkim><aspf>r</aspf><discovery_method>treewalk</discovery_method><testing>n</testing></policy_published>{records(n=(7, 2, 5)).replace("<scope>mfrom</scope>", "")}
</feedback>
""".encode()

def wrapped():
    body = google("wrapped-1").split(b"\n", 1)[1]
    return b'<?xml version="1.0"?>\n<dmarc-report>\n' + body + b"</dmarc-report>\n"

def latin1():
    return google("latin1-1").replace(b"<org_name>google.com", b"<org_name>R\xe9seau \xff")

def mail(name, data, ctype, mid, sub="Report Domain: example.com"):
    b64 = base64.encodebytes(data).decode()
    return f"""From: DMARC Reports <noreply@reporter.example>
To: dmarc@example.com
Subject: {sub}
Date: Tue, 01 Dec 2026 04:00:00 +0000
Message-ID: <{mid}>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=us-ascii

This is an aggregate report from reporter.example.
--b1
Content-Type: {ctype}; name="{name}"
Content-Disposition: attachment; filename="{name}"
Content-Transfer-Encoding: base64

{b64}--b1--
""".encode()

def gz(data):
    return gzip.compress(data, mtime=0)

def zipped(*files):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files:
            zi = zipfile.ZipInfo(name, (2026, 12, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
    return b.getvalue()

def w(name, data):
    with open(name, "wb") as f:
        f.write(data)

os.makedirs("files", exist_ok=True)
w("files/google.com!example.com!1796083200!1796169599.zip",
  zipped(("google.com!example.com!1796083200!1796169599.xml", google())))
w("files/enterprise.protection.outlook.com!example.com!1796083200!1796169599.xml.gz", gz(microsoft()))
w("files/yahoo.xml", yahoo())
w("files/rfc9990.xml", rfc9990())
w("files/wrapped.xml", wrapped())
w("files/latin1.xml", latin1())
w("files/trailing.xml.gz", gz(rfc9990("trailing.example", "trail1")) + b"\x00\x00garbage after the member\n")
w("files/two.zip", zipped(("a.xml", rfc9990("zip.example", "zip-a")), ("b.xml", rfc9990("zip.example", "zip-b"))))
os.makedirs("bad", exist_ok=True)
os.makedirs("mail", exist_ok=True)
w("bad/notareport.txt", b"Hello, this is not a DMARC report.\n")
w("bad/truncated.xml", google("trunc")[:200])
w("bad/emptyfeedback.xml", b"<?xml version='1.0'?><feedback></feedback>\n")
m1 = mail("google.com!example.com!1796083200!1796169599.zip",
          zipped(("r.xml", google("mail-zip-1"))), "application/zip", "m1@reporter.example")
m2 = mail("outlook.xml.gz", gz(microsoft().replace(b"0a1b2c3d", b"mailgz01")),
          "application/gzip", "m2@reporter.example")
m3 = mail("report.xml", rfc9990("mail.example", "mail-xml-1"), "text/xml", "m3@reporter.example")
w("mail/report.eml", m1)
# an mbox of the three mails (mboxrd: nothing in them needs quoting)
mbox = b""
for m in (m1, m2, m3):
    mbox += b"From noreply@reporter.example Tue Dec  1 04:00:00 2026\n" + m + b"\n"
w("mail/reports.mbox", mbox)
for d in ("cur", "new", "tmp"):
    os.makedirs("Maildir/" + d, exist_ok=True)
w("Maildir/cur/1796169600.1.host:2,S", m2)
w("Maildir/new/1796169601.2.host", m3)
