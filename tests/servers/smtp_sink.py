"""A real SMTP server for the e-mail tests (aiosmtpd from Debian's python3-aiosmtpd).

Listens on 127.0.0.1 only. --port 0 binds a free ephemeral port; the port actually bound is
written to DIR/port once the server accepts connections. Every message received is stored as
DIR/NNNNNN.eml (the raw DATA bytes) and then DIR/NNNNNN.json (envelope: mail_from, rcpt_tos,
session, auth_login, tls: the session's TLS version or null, auth_tls: the TLS version when
the session authenticated or null), the .json renamed into place last so a reader never sees half
a message. Every SMTP session (TCP connection; with --tls implicit, one that completed the TLS
handshake) appends its number to DIR/sessions.log.

--reject ADDR answers RCPT TO:<ADDR> with 550 5.1.1, --defer ADDR with 451 4.3.0; both repeat.
--auth-user/--auth-password offer AUTH PLAIN and LOGIN and require it before MAIL; without TLS
over plain TCP, with --tls starttls or starttls-required only after STARTTLS.
--tls starttls offers STARTTLS with --cert/--key (PEM), starttls-required also refuses everything
but EHLO, NOOP, QUIT and STARTTLS before it (530), implicit speaks TLS from the first byte
(smtps).
--refuse-all "421 4.3.2 ..." answers every command but QUIT with that reply (after the 220
greeting), as a server that is overloaded or shutting down does; after a 421 it closes the
connection (RFC 5321 3.8).
Stops on SIGTERM.
"""

import argparse
import asyncio
import itertools
import json
import os
import signal
import ssl

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

SESSIONS = None  # Set in main(): numbers go on from an earlier run in the same directory.


class CountingSMTP(SMTP):
    """Numbers each connection and logs it, so tests can count SMTP connections."""

    def __init__(self, *args, sessions_log, refuse_all=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._sessions_log = sessions_log
        if refuse_all:
            for command in list(self._smtp_methods):
                if command != "QUIT":
                    self._smtp_methods[command] = self._refuse(refuse_all)

    def _refuse(self, reply):
        async def refuse(arg):
            await self.push(reply)
            if reply.startswith("421"):
                self.transport.close()
        return refuse

    def _create_session(self):
        previous = getattr(self, "session", None)
        session = super()._create_session()
        if self._original_transport is not None and previous is not None:
            # STARTTLS starts a new SMTP session on the same connection: same number.
            session.number = previous.number
            return session
        session.number = next(SESSIONS)
        with open(self._sessions_log, "a", encoding="ascii") as log:
            log.write(f"{session.number}\n")
        return session


def tls_version(server):
    """The TLS version of the server's connection ("TLSv1.3"), None when it is plain."""
    ssl_object = server.transport.get_extra_info("ssl_object") if server.transport else None
    return ssl_object.version() if ssl_object is not None else None


class Sink:
    def __init__(self, directory, reject, defer):
        self.directory = directory
        self.reject = {a.lower() for a in reject}
        self.defer = {a.lower() for a in defer}
        earlier = sum(1 for name in os.listdir(directory) if name.endswith(".eml"))
        self.messages = itertools.count(earlier + 1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if address.lower() in self.defer:
            return f"451 4.3.0 <{address}>: Temporary lookup failure"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        base = os.path.join(self.directory, f"{next(self.messages):06d}")
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content)
        login = session.auth_data.login.decode() if session.authenticated else None
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                "session": session.number, "auth_login": login,
                "tls": tls_version(server), "auth_tls": getattr(session, "auth_tls", None)}
        with open(base + ".json.tmp", "w", encoding="utf-8") as f:
            json.dump(meta, f)
        os.rename(base + ".json.tmp", base + ".json")
        return "250 2.0.0 Ok: queued"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--reject", action="append", default=[])
    parser.add_argument("--defer", action="append", default=[])
    parser.add_argument("--auth-user")
    parser.add_argument("--auth-password")
    parser.add_argument("--tls", choices=["none", "starttls", "starttls-required", "implicit"],
                        default="none")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--refuse-all")
    args = parser.parse_args()
    if args.tls != "none" and not (args.cert and args.key):
        parser.error("--tls needs --cert and --key")
    if args.port in (25, 465, 587):
        parser.error("refusing a well-known SMTP port; use 0 for a free one")

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == args.auth_user.encode()
              and auth_data.password == args.auth_password.encode())
        if ok:
            session.auth_tls = tls_version(server)
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    context = None
    if args.tls != "none":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
    options = {}
    if args.tls in ("starttls", "starttls-required"):
        options = {"tls_context": context, "require_starttls": args.tls == "starttls-required"}
    if args.auth_user is not None:
        # With STARTTLS, AUTH only over TLS. aiosmtpd does not know a connection that was TLS
        # from its first byte is encrypted: it would refuse AUTH there.
        options.update({"authenticator": authenticator, "auth_required": True,
                        "auth_require_tls": args.tls in ("starttls", "starttls-required")})
    sink = Sink(args.dir, args.reject, args.defer)
    sessions_log = os.path.join(args.dir, "sessions.log")
    global SESSIONS
    earlier = 0
    if os.path.exists(sessions_log):
        with open(sessions_log, encoding="ascii") as log:
            earlier = sum(1 for line in log if line.strip())
    SESSIONS = itertools.count(earlier + 1)

    async def serve():
        loop = asyncio.get_running_loop()
        # hostname given: aiosmtpd would otherwise ask DNS for this machine's FQDN.
        server = await loop.create_server(
            lambda: CountingSMTP(sink, hostname="localhost", sessions_log=sessions_log,
                                 refuse_all=args.refuse_all, **options),
            host="127.0.0.1", port=args.port,
            ssl=context if args.tls == "implicit" else None)
        port = server.sockets[0].getsockname()[1]
        with open(os.path.join(args.dir, "port.tmp"), "w", encoding="ascii") as f:
            f.write(str(port))
        os.rename(os.path.join(args.dir, "port.tmp"), os.path.join(args.dir, "port"))
        stop = loop.create_future()
        loop.add_signal_handler(signal.SIGTERM, stop.set_result, None)
        await stop
        server.close()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
