#!/usr/bin/env python3
"""Open an HTML file in headless Chromium and say what happened, as JSON:
the page's network requests (other than the file itself and data:), its
console errors and uncaught exceptions (CSP violations included), and the
values of JavaScript expressions evaluated in the loaded page.

Drives Chromium over the DevTools protocol with the standard library only
(a minimal WebSocket client), so it needs no npm or PyPI package.
usage: html_check.py CHROMIUM FILE EXPR...
"""
import base64, json, os, shutil, signal, socket, struct, subprocess, sys, tempfile, time, urllib.request


class WS:
    def __init__(self, url):
        assert url.startswith("ws://")
        hostport, path = url[5:].split("/", 1)
        host, port = hostport.split(":")
        self.s = socket.create_connection((host, int(port)), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall(("GET /%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n" % (path, hostport, key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            c = self.s.recv(1)
            if not c:
                raise IOError("websocket handshake: connection closed")
            head += c
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise IOError("websocket handshake: %r" % head[:80])

    def send(self, obj):
        data = json.dumps(obj).encode()
        mask = os.urandom(4)
        n = len(data)
        hdr = bytes([0x81])
        if n < 126:
            hdr += bytes([0x80 | n])
        elif n < 65536:
            hdr += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            hdr += bytes([0x80 | 127]) + struct.pack(">Q", n)
        self.s.sendall(hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _exact(self, n):
        b = b""
        while len(b) < n:
            c = self.s.recv(n - len(b))
            if not c:
                raise IOError("websocket closed")
            b += c
        return b

    def recv(self):
        msg = b""
        while True:
            b0, b1 = self._exact(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._exact(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._exact(8))[0]
            payload = self._exact(n)
            op = b0 & 0x0F
            if op == 8:
                raise IOError("websocket closed by the browser")
            if op in (0, 1, 2):
                msg += payload
                if b0 & 0x80:
                    return json.loads(msg)


def main():
    chromium, page, exprs = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3:]
    prof = tempfile.mkdtemp(prefix="vouch-chromium-")
    args = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions",
            "--remote-debugging-port=0", "--remote-allow-origins=*",
            "--user-data-dir=" + prof, "about:blank"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        port_file = os.path.join(prof, "DevToolsActivePort")
        deadline = time.time() + 60
        while not (os.path.exists(port_file) and open(port_file).read().strip()):
            if time.time() > deadline or proc.poll() is not None:
                raise IOError("chromium did not start")
            time.sleep(0.1)
        port = open(port_file).read().split()[0]
        targets = json.load(urllib.request.urlopen("http://127.0.0.1:%s/json/list" % port))
        ws = WS([t for t in targets if t["type"] == "page"][0]["webSocketDebuggerUrl"])
        seq = [0]

        def call(method, params=None):
            seq[0] += 1
            ws.send({"id": seq[0], "method": method, "params": params or {}})
            return seq[0]

        requests, errors, results, pending = [], [], {}, {}
        for m in ("Network.enable", "Runtime.enable", "Log.enable", "Page.enable"):
            call(m)
        call("Page.navigate", {"url": "file://" + page})
        loaded, settle = False, None
        deadline = time.time() + 60
        while time.time() < deadline:
            ev = ws.recv()
            m = ev.get("method")
            if m == "Network.requestWillBeSent":
                url = ev["params"]["request"]["url"]
                if not url.startswith(("file:", "data:", "about:")) and url not in requests:
                    requests.append(url)
            elif m == "Runtime.consoleAPICalled" and ev["params"]["type"] in ("error", "warning", "assert"):
                errors.append("console.%s: %s" % (ev["params"]["type"], " ".join(
                    str(a.get("value", a.get("description", ""))) for a in ev["params"]["args"])))
            elif m == "Runtime.exceptionThrown":
                errors.append("exception: " + ev["params"]["exceptionDetails"].get("text", ""))
            elif m == "Log.entryAdded":
                entry = ev["params"]["entry"]
                if entry["level"] in ("error", "warning"):
                    errors.append("log: " + entry["text"])
                # a resource that failed to load was asked for, even when
                # its requestWillBeSent never came
                url = entry.get("url", "")
                if entry.get("source") == "network" and url and \
                        not url.startswith(("file:", "data:", "about:")) and url not in requests:
                    requests.append(url)
            elif m == "Page.loadEventFired" and not loaded:
                loaded = True
                # let late requests and errors arrive, then ask the page
                time.sleep(0.5)
                for e in exprs:
                    pending[call("Runtime.evaluate", {"expression": e, "returnByValue": True})] = e
                if not exprs:
                    break
            elif "id" in ev and ev["id"] in pending:
                r = ev.get("result", {}).get("result", {})
                results[pending.pop(ev["id"])] = r.get("value")
                if loaded and not pending:
                    break
        print(json.dumps({"loaded": loaded, "requests": requests, "errors": errors,
                          "values": results}))
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        proc.wait()
        time.sleep(0.2)
        shutil.rmtree(prof, ignore_errors=True)


main()
