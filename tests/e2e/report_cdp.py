"""report_cdp.py: drives a real headless Chromium for the report tests through the DevTools
protocol over a pipe (--remote-debugging-pipe: NUL-separated JSON on fds 3 and 4, so no
websocket library is needed). Used by tests/e2e/report_*.sh and bench/report_open.sh.

    with Browser(chrome_path, profile_dir) as b:
        page = b.page(scripts=False)           # scripts off: Emulation.setScriptExecutionDisabled
        page.open("file:///.../report.html")   # waits for the load event
        page.eval("document.title")
        page.screenshot("shot.png", width=1280)
"""
import base64
import json
import os
import select
import subprocess
import time


class CdpError(Exception):
    pass


class Browser:
    def __init__(self, chrome, profile, log=None):
        self.chrome, self.profile, self.log = chrome, profile, log
        self.next_id = 0
        self.buf = b""
        self.events = []

    def __enter__(self):
        to_r, to_w = os.pipe()     # we write, Chromium reads on its fd 3
        from_r, from_w = os.pipe()  # Chromium writes on its fd 4, we read
        args = [self.chrome, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-quic", "--remote-debugging-pipe", "--user-data-dir=" + self.profile,
                "about:blank"]

        def fds():
            # through high numbers first: the pipe ends may themselves be 3 or 4
            os.dup2(to_r, 100)
            os.dup2(from_w, 101)
            os.dup2(100, 3)
            os.dup2(101, 4)

        # close_fds=False: the fds made in preexec_fn must survive to exec
        self.proc = subprocess.Popen(args, close_fds=False, preexec_fn=fds,
                                     stdout=subprocess.DEVNULL, stderr=self.log or subprocess.DEVNULL)
        os.close(to_r)
        os.close(from_w)
        self.w, self.r = to_w, from_r
        return self

    def __exit__(self, *exc):
        try:
            self.send("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self.w)
        os.close(self.r)

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.time()
            if left <= 0 or not select.select([self.r], [], [], left)[0]:
                raise CdpError("timed out waiting for Chromium")
            chunk = os.read(self.r, 1 << 20)
            if not chunk:
                raise CdpError("Chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method, params=None, session=None, timeout=60):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + timeout
        while True:
            m = self._read_message(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise CdpError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method, session, timeout=60):
        deadline = time.time() + timeout
        while True:
            for i, m in enumerate(self.events):
                if m.get("method") == method and m.get("sessionId") == session:
                    del self.events[i]
                    return m.get("params", {})
            self.events.append(self._read_message(deadline))

    def page(self, scripts=True, width=1280, height=900):
        t = self.send("Target.createTarget", {"url": "about:blank"})
        s = self.send("Target.attachToTarget", {"targetId": t["targetId"], "flatten": True})["sessionId"]
        p = Page(self, s)
        self.send("Page.enable", session=s)
        self.send("Runtime.enable", session=s)
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=s)
        if not scripts:
            self.send("Emulation.setScriptExecutionDisabled", {"value": True}, session=s)
        return p


class Page:
    def __init__(self, browser, session):
        self.b, self.s = browser, session

    def open(self, url, timeout=60):
        """Loads url afresh (through about:blank, so that a change of the #fragment alone loads the
        page again) and waits for its load event; returns the seconds the page took."""
        for u in ("about:blank", url):
            self.b.events = [m for m in self.b.events if not (m.get("sessionId") == self.s and
                                                            m.get("method") == "Page.loadEventFired")]
            t0 = time.time()
            self.b.send("Page.navigate", {"url": u}, session=self.s)
            self.b.wait_event("Page.loadEventFired", self.s, timeout)
        return time.time() - t0

    def eval(self, expr):
        r = self.b.send("Runtime.evaluate", {"expression": expr, "returnByValue": True}, session=self.s)
        if "exceptionDetails" in r:
            raise CdpError("evaluate %r: %s" % (expr, r["exceptionDetails"]))
        return r["result"].get("value")

    def console_errors(self):
        return [m for m in self.b.events if m.get("sessionId") == self.s and
                m.get("method") == "Runtime.exceptionThrown"]

    def screenshot(self, path, width=1280):
        """The whole page at the given width."""
        h = int(self.eval("Math.ceil(document.documentElement.scrollHeight)") or 900)
        h = max(200, min(h, 16000))
        self.b.send("Emulation.setDeviceMetricsOverride",
                    {"width": width, "height": h, "deviceScaleFactor": 1, "mobile": False}, session=self.s)
        r = self.b.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
                        session=self.s)
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))
        return h

    def viewport_shot(self, path):
        """What the window shows now (after scrolling), without growing it to the whole page."""
        r = self.b.send("Page.captureScreenshot", {"format": "png"}, session=self.s)
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))
