#pragma once

// E-mail as real clients send it, shared by the parser's tests and the IMAP tests that fetch it.

namespace ogw::email_samples {

// A Gmail reply in plain UTF-8 text, with an English attribution line and the quoted message.
inline constexpr char kGmailPlainReply[] = R"(From: "Jane Roe" <Jane.Roe@Example.COM>
To: Outreach <reply+tok123@Mail.Gateway.Test>
Subject: Re: Spring offer
Message-ID: <CAJane1@mail.gmail.com>
In-Reply-To: <ogw.c1.7@gateway.test>
References: <ogw.c1.6@gateway.test>
 <ogw.c1.7@gateway.test>
Date: Tue, 02 Jan 2024 10:00:00 +0000
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit

Yes please, count me in! Ünïcödé ✓

On Mon, Jan 1, 2024 at 9:00 AM Outreach <reply+tok123@mail.gateway.test>
wrote:

> Would you like to join?
> Reply yes or no.
)";

}  // namespace ogw::email_samples
