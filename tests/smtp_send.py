#!/usr/bin/python3
"""Submit one message over SMTP for the Postfix tests.

usage: smtp_send.py PORT FILE [--from A] [--to A] [--xclient 'ADDR=.. HELO=..']
                    [--auth USER:PASS] [--kill PID]
Prints the server's final reply ("250 ..." or the refusal) and exits 0
when the message was accepted, 1 when refused, 2 on a protocol error.
--kill PID sends SIGKILL to PID halfway through the message data.
"""
import argparse
import os
import signal
import smtplib
import socket
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("port", type=int)
ap.add_argument("file")
ap.add_argument("--from", dest="sender", default="alice@milter.test")
ap.add_argument("--to", default="rcpt@example.net")
ap.add_argument("--xclient")
ap.add_argument("--helo", default="client.test")
ap.add_argument("--auth")
ap.add_argument("--kill", type=int)
a = ap.parse_args()

with open(a.file, "rb") as fp:
    msg = fp.read()
try:
    s = smtplib.SMTP("127.0.0.1", a.port, timeout=120)
    s.ehlo(a.helo)
    if a.xclient:
        code, resp = s.docmd("XCLIENT", a.xclient)
        if code != 220:
            print(code, resp.decode(errors="replace"))
            sys.exit(2)
        s.ehlo_resp = None
        s.ehlo(a.helo)
    if a.auth:
        user, pw = a.auth.split(":", 1)
        s.login(user, pw)
    if a.kill is None:
        s.sendmail(a.sender, [a.to], msg)
        print("250 accepted")
        s.quit()
        sys.exit(0)
    # by hand, to kill the milter in the middle of the data
    s.mail(a.sender)
    s.rcpt(a.to)
    code, resp = s.docmd("DATA")
    if code != 354:
        print(code, resp.decode(errors="replace"))
        sys.exit(1)
    data = msg.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    half = len(data) // 2
    s.send(data[:half])
    time.sleep(0.3)
    os.kill(a.kill, signal.SIGKILL)
    time.sleep(0.3)
    s.send(data[half:] + (b"" if data.endswith(b"\r\n") else b"\r\n") + b".\r\n")
    code, resp = s.getreply()
    print(code, resp.decode(errors="replace"))
    sys.exit(0 if code == 250 else 1)
except smtplib.SMTPResponseException as e:
    print(e.smtp_code, e.smtp_error.decode(errors="replace"))
    sys.exit(1)
except smtplib.SMTPRecipientsRefused as e:
    for code, err in e.recipients.values():
        print(code, err.decode(errors="replace"))
    sys.exit(1)
except (smtplib.SMTPException, socket.error) as e:
    print("error", e)
    sys.exit(2)
