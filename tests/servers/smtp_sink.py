"""A real SMTP server for the e-mail tests (aiosmtpd from Debian's python3-aiosmtpd).

Listens on 127.0.0.1 only. --port 0 binds a free ephemeral port; the port actually bound is
written to DIR/port once the server accepts connections. Every message received is stored as
DIR/NNNNNN.eml (the raw DATA bytes) and then DIR/NNNNNN.json (envelope: mail_from, rcpt_tos,
session, auth_login), the .json renamed into place last so a reader never sees half a message.
Every SMTP session (TCP connection) appends its number to DIR/sessions.log.

--reject ADDR answers RCPT TO:<ADDR> with 550 5.1.1, --defer ADDR with 451 4.3.0; both repeat.
--auth-user/--auth-password offer AUTH PLAIN and LOGIN without TLS and require it before MAIL.
Stops on SIGTERM.
"""

import argparse
import asyncio
import itertools
import json
import os
import signal

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

SESSIONS = itertools.count(1)


class CountingSMTP(SMTP):
    """Numbers each session and logs it, so tests can count SMTP connections."""

    def __init__(self, *args, sessions_log, **kwargs):
        super().__init__(*args, **kwargs)
        self._sessions_log = sessions_log

    def _create_session(self):
        session = super()._create_session()
        session.number = next(SESSIONS)
        with open(self._sessions_log, "a", encoding="ascii") as log:
            log.write(f"{session.number}\n")
        return session


class Sink:
    def __init__(self, directory, reject, defer):
        self.directory = directory
        self.reject = {a.lower() for a in reject}
        self.defer = {a.lower() for a in defer}
        self.messages = itertools.count(1)

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
                "session": session.number, "auth_login": login}
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
    args = parser.parse_args()
    if args.port in (25, 465, 587):
        parser.error("refusing a well-known SMTP port; use 0 for a free one")

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == args.auth_user.encode()
              and auth_data.password == args.auth_password.encode())
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    auth = {}
    if args.auth_user is not None:
        auth = {"authenticator": authenticator, "auth_required": True,
                "auth_require_tls": False}
    sink = Sink(args.dir, args.reject, args.defer)
    sessions_log = os.path.join(args.dir, "sessions.log")

    async def serve():
        loop = asyncio.get_running_loop()
        # hostname given: aiosmtpd would otherwise ask DNS for this machine's FQDN.
        server = await loop.create_server(
            lambda: CountingSMTP(sink, hostname="localhost", sessions_log=sessions_log,
                                 **auth),
            host="127.0.0.1", port=args.port)
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
