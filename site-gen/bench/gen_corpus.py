#!/usr/bin/env python3
"""Generate a deterministic benchmark corpus for site-gen and Hugo.

Usage: gen_corpus.py N OUTDIR

Writes OUTDIR/content/ with N FAQ pages (Markdown with YAML front matter, as described
in README.md, "The content format"), spread over 20 categories x 5 sub-categories with
`_index.md` / `_index.en.md` section files, a site.yaml and a few notices. About 80% of
the pages are Japanese (`<slug>.md`, with some English paragraphs), about 20% English
translations (`<slug>.en.md`, same FAQ id). Pages average about 6 KB of Markdown, so
10,000 pages are about 60 MB. About 2% are `visibility: customer`. Relative links
point only at pages that exist. Same N gives byte-identical output (seeded RNG, no
network, no clock).
"""

import os
import random
import shutil
import sys

SEED = 20261123
AVG_BYTES = 6000  # target mean size of one page in bytes (UTF-8)
EN_SHARE = 0.20  # share of the N pages that are English translations
CUSTOMER_SHARE = 0.02

CATEGORIES = [
    ("mail-gateway", "NL Mail Gateway", "NL Mail Gateway"),
    ("spamguard", "NL SpamGuard", "NL SpamGuard"),
    ("webmail", "NL WebMail", "NL WebMail"),
    ("archive", "NL Archive", "NL Archive"),
    ("vpn", "NL Secure VPN", "NL Secure VPN"),
    ("edge-router", "NL Edge Router", "NL Edge Router"),
    ("firewall", "ファイアウォール", "Firewall"),
    ("dns", "DNS サービス", "DNS service"),
    ("load-balancer", "負荷分散装置", "Load balancer"),
    ("backup", "バックアップ", "Backup"),
    ("monitoring", "監視サービス", "Monitoring"),
    ("certificate", "証明書サービス", "Certificate service"),
    ("directory", "ディレクトリ連携", "Directory integration"),
    ("file-server", "ファイルサーバー", "File server"),
    ("proxy", "Web プロキシ", "Web proxy"),
    ("wifi", "無線 LAN", "Wireless LAN"),
    ("storage", "ストレージ", "Storage"),
    ("virtualization", "仮想化基盤", "Virtualization platform"),
    ("portal", "サポートポータル", "Support portal"),
    ("support-service", "保守サポートサービス", "Support service"),
]
SUBS = [
    ("settings", "設定", "Settings"),
    ("troubleshooting", "トラブルシューティング", "Troubleshooting"),
    ("operations", "運用", "Operations"),
    ("release-notes", "リリース情報", "Release notes"),
    ("security", "セキュリティ", "Security"),
]

JA_NOUNS = (
    "障害 送信 受信 遅延 設定 証明書 認証 サーバー メール 配送 キュー ログ 管理画面 "
    "ファイアウォール 名前解決 暗号化 接続 再起動 更新 ファームウェア 迷惑メール 隔離 "
    "ドメイン 宛先 差出人 添付ファイル パスワード 二要素認証 ライセンス バックアップ 復元 "
    "監視 閾値 アラート ネットワーク ルーター トンネル クライアント 拠点 帯域 負荷分散 "
    "冗長化 保守契約 問い合わせ 手順 原因 対処 影響 復旧 中継 通信 応答 タイムアウト "
    "セッション 権限 アカウント 利用者 管理者 端末 ブラウザ 文字化け 容量 上限 制限 "
    "署名 鍵 有効期限 失効 更新手順 移行 切り替え 待機系 稼働系 同期 遅延時間 再送 "
    "エラーメール 配信 隔離レポート 許可リスト 拒否リスト 定義ファイル 脆弱性 修正版 "
    "パッチ 構成 設定値 既定値 ポート番号 経路 ゲートウェイ 証明書チェーン 中間証明書"
).split()
JA_ADJ = (
    "一時的な 断続的な 大量の 特定の 社外宛ての 社内の 新しい 古い 既存の 予備の "
    "暗号化された 期限切れの 不正な 正常な 重大な 軽微な"
).split()
JA_PRED = [
    "を確認します",
    "が発生しています",
    "を変更してください",
    "に失敗する場合があります",
    "が必要です",
    "を有効にします",
    "を無効にしてください",
    "が表示されます",
    "を見直してください",
    "が解消されない場合はサポートへお問い合わせください",
    "を再設定すると改善することがあります",
    "の状態をご確認ください",
    "が増加する傾向があります",
    "は自動的に再試行されます",
    "を記録しています",
]
JA_CONN = ["また、", "なお、", "ただし、", "そのため、", "この場合、", "次に、", "まず、", ""]

EN_WORDS = (
    "outage delivery sending receiving delay setting certificate authentication server "
    "relay queue log console firewall resolution encryption connection restart update "
    "firmware spam quarantine domain recipient sender attachment password license backup "
    "restore monitoring threshold alert network router tunnel client site bandwidth "
    "failover contract inquiry procedure cause workaround impact recovery session "
    "permission account administrator browser capacity limit signature key expiry "
    "migration standby primary sync retry bounce allowlist blocklist definition patch "
    "gateway chain intermediate timeout response policy schedule maintenance"
).split()
EN_VERBS = (
    "check verify update restart disable enable review configure renew retry confirm "
    "reset export import monitor replace"
).split()
EN_TEMPLATES = [
    "If the {a} {b} fails, {v} the {c} in the admin console.",
    "The {a} is retried automatically, so you do not need to {v} the {b}.",
    "When a {a} {b} occurs, {v} the {c} settings and the {d} log first.",
    "Please {v} that the {a} {b} has not reached its {c} limit.",
    "After you {v} the {a}, the {b} may take up to ten minutes to apply.",
    "A {a} on the {b} side can cause a {c} {d}; {v} it before contacting support.",
    "We recommend that you {v} the {a} {b} once a month.",
]

LOG_HOSTS = ["nlmg01", "nlmg02", "nlsg01", "nlvpn01", "edge01", "fw-core01"]
LOG_MSGS = [
    "status=deferred (host mx1.example.com said: 421 4.7.0 Try again later)",
    "status=sent (250 2.0.0 Ok: queued as 7C1F2A0B3D)",
    "SASL LOGIN authentication failed: authentication failure",
    "TLS handshake failed: certificate has expired",
    "IKE phase 1 negotiation failed: no proposal chosen",
    "connection timed out after 30 seconds",
    "signature update completed: version 2026.11.20.01",
    "disk usage 91% exceeds threshold 90%",
]
CMDS = [
    "show queue summary",
    "show log delivery --since 1h",
    "openssl s_client -connect mail.example.jp:465 -servername mail.example.jp",
    "dig +short MX example.jp",
    "show vpn ike-sa",
    "system backup create --target /var/backup",
    "certificate import --chain fullchain.pem --key privkey.pem",
    "ping -c 4 203.0.113.10",
]


class Item:
    __slots__ = ("cat", "sub", "slug", "id", "customer", "en", "kw_ja", "kw_en")


def rel(frm_dir, to_path):
    return os.path.relpath(to_path, frm_dir).replace(os.sep, "/")


def ja_sentence(r):
    n = r.sample(JA_NOUNS, 3)
    form = r.randrange(5)
    if form == 0:
        s = f"{n[0]}の{n[1]}{r.choice(JA_PRED)}"
    elif form == 1:
        s = f"{r.choice(JA_ADJ)}{n[0]}により、{n[1]}の{n[2]}{r.choice(JA_PRED)}"
    elif form == 2:
        s = f"{n[0]}で{n[1]}が発生した場合は、{n[2]}{r.choice(JA_PRED)}"
    elif form == 3:
        s = f"{n[0]}と{n[1]}の{n[2]}{r.choice(JA_PRED)}"
    else:
        s = f"{n[0]}（`{r.choice(EN_WORDS)}`）の{n[1]}{r.choice(JA_PRED)}"
    return r.choice(JA_CONN) + s + "。"


def en_sentence(r):
    w = r.sample(EN_WORDS, 4)
    return r.choice(EN_TEMPLATES).format(a=w[0], b=w[1], c=w[2], d=w[3], v=r.choice(EN_VERBS))


def ja_para(r):
    return "".join(ja_sentence(r) for _ in range(r.randint(3, 6)))


def en_para(r):
    return " ".join(en_sentence(r) for _ in range(r.randint(3, 6)))


def ja_title(r):
    n = r.sample(JA_NOUNS, 3)
    forms = [
        f"{n[0]}の{n[1]}が失敗する",
        f"{n[0]}で{n[1]}エラーが表示される",
        f"{n[0]}の{n[1]}を変更する手順",
        f"{n[0]}と{n[1]}の{n[2]}について",
        f"{n[0]}が{n[1]}に届かない",
    ]
    return r.choice(forms)


def en_title(r):
    w = r.sample(EN_WORDS, 3)
    forms = [
        f"{w[0].capitalize()} {w[1]} fails",
        f"How to change the {w[0]} {w[1]}",
        f"A {w[0]} error is shown for the {w[1]}",
        f"About the {w[0]} and {w[1]} {w[2]}",
    ]
    return r.choice(forms)


def date_pair(r):
    y, m, d = r.randint(2019, 2025), r.randint(1, 12), r.randint(1, 28)
    uy = r.randint(y, 2026)
    um = r.randint(1, 10) if uy == 2026 else r.randint(1, 12)
    ud = r.randint(1, 28)
    if (uy, um, ud) < (y, m, d):
        uy, um, ud = y, m, d
    return f"{y:04d}-{m:02d}-{d:02d}", f"{uy:04d}-{um:02d}-{ud:02d}"


def link_block(r, item, items, english, content):
    here = os.path.join(content, "faq", item.cat, item.sub)
    parts = []
    for t in r.sample(items, 3):
        if t is item:
            continue
        name = t.slug + (".en.md" if english and t.en else ".md")
        target = os.path.join(content, "faq", t.cat, t.sub, name)
        label = f"FAQ {t.id}"
        parts.append(f"[{label}]({rel(here, target)})")
    if english:
        return "See also " + ", ".join(parts) + ", and the [status page](/status/)."
    return "関連する FAQ: " + "、".join(parts) + "。障害情報は[稼働状況](/status/)をご確認ください。"


def table_block(r, english):
    head = "| Item | Value | Note |" if english else "| 項目 | 設定値 | 備考 |"
    rows = [head, "| --- | --- | --- |"]
    for _ in range(r.randint(3, 6)):
        if english:
            rows.append(f"| {r.choice(EN_WORDS)} {r.choice(EN_WORDS)} | `{r.randint(1, 65535)}` | {en_sentence(r)} |")
        else:
            rows.append(f"| {r.choice(JA_NOUNS)} | `{r.randint(1, 65535)}` | {ja_sentence(r)} |")
    return "\n".join(rows)


def code_block(r):
    lines = []
    if r.random() < 0.5:
        for _ in range(r.randint(2, 5)):
            lines.append(
                f"Oct {r.randint(1, 28):2d} {r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d} "
                f"{r.choice(LOG_HOSTS)} relay[{r.randint(1000, 9999)}]: {r.randrange(16**10):010X}: {r.choice(LOG_MSGS)}"
            )
        return "```\n" + "\n".join(lines) + "\n```"
    for _ in range(r.randint(1, 4)):
        lines.append(f"$ {r.choice(CMDS)}")
    return "```sh\n" + "\n".join(lines) + "\n```"


def list_block(r, english, ordered):
    out = []
    for i in range(r.randint(3, 6)):
        text = en_sentence(r) if english else ja_sentence(r)
        out.append(f"{i + 1}. {text}" if ordered else f"- {text}")
    return "\n".join(out)


def body(r, item, items, english, content, target):
    if english:
        heads = ["Symptom", "What to check", "Cause", "Workaround", "Details", "Notes"]
    else:
        heads = ["現象", "確認手順", "原因", "対処方法", "詳細", "補足"]
    blocks = [f"**{heads[0]}**", en_para(r) if english else ja_para(r)]
    size = sum(len(b.encode()) for b in blocks)
    hi = 1
    links_done = False
    while size < target:
        k = r.randrange(10)
        if k == 0:
            b = f"## {heads[hi % len(heads)]}"
            hi += 1
        elif k == 1:
            b = table_block(r, english)
        elif k == 2:
            b = code_block(r)
        elif k == 3:
            b = list_block(r, english, ordered=r.random() < 0.5)
        elif k == 4 and not english:
            b = "### English summary\n\n" + en_para(r)
        elif k == 5 and not links_done:
            b = link_block(r, item, items, english, content)
            links_done = True
        elif english:
            b = en_para(r)
        else:
            b = ja_para(r)
        blocks.append(b)
        size += len(b.encode()) + 2
    if not links_done:
        blocks.append(link_block(r, item, items, english, content))
    return "\n\n".join(blocks) + "\n"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


SITE_YAML = """\
# Benchmark corpus (generated by site-gen/bench/gen_corpus.py); structure as content/site.yaml
name: { ja: ベンチマーク サポート窓口, en: Benchmark Support }
base_url: https://support.example.jp
default_language: ja
languages: [ja, en]
time_zone: Asia/Tokyo
support_hours: { ja: "平日 9:00〜17:30（土日祝日を除く）", en: "Weekdays 9:00–17:30 JST" }
contact:
  phone: 03-0000-0000
  email: support@example.jp
  note:
    ja: 保守契約番号をお手元にご用意のうえ、お問い合わせください。
    en: Please have your maintenance contract number at hand.
components:
  - id: mail-relay
    name: { ja: メール中継サービス, en: Mail relay service }
    description:
      ja: 送信・受信メールの SMTP 中継
      en: SMTP relay of outgoing and incoming mail
  - id: spamguard
    name: { ja: 迷惑メール対策, en: Anti-spam }
  - id: webmail
    name: { ja: Web メール, en: Webmail }
  - id: vpn
    name: { ja: VPN 接続サービス, en: VPN connection service }
  - id: portal
    name: { ja: サポートポータル, en: Support portal }
"""

NOTICES = [
    (
        "relay-maintenance-2026-12",
        """---
title: 【メンテナンス】メール中継サービスの設備更新（12月12日）
kind: maintenance
status: scheduled
date: 2026-11-20T15:00:00+09:00
components: [mail-relay]
starts_at: 2026-12-12T01:00:00+09:00
ends_at: 2026-12-12T06:00:00+09:00
---

設備更新のため、下記の日程でメンテナンスを実施いたします。

| 項目 | 内容 |
| --- | --- |
| 日時 | 2026年12月12日（土）1:00〜6:00 |
| 影響 | 最大 10 分程度、メールの送信が遅延します |
""",
        """---
title: "[Maintenance] Mail relay equipment update (December 12)"
kind: maintenance
status: scheduled
date: 2026-11-20T15:00:00+09:00
components: [mail-relay]
starts_at: 2026-12-12T01:00:00+09:00
ends_at: 2026-12-12T06:00:00+09:00
---

We will update the equipment of the mail relay service on December 12, 1:00–6:00 JST.
Sending may be delayed for up to ten minutes.
""",
    ),
    (
        "relay-incident-2026-10",
        """---
title: 【障害】メール中継サービスにおける送信遅延（10月14日）
kind: incident
status: resolved
impact: major
date: 2026-10-14T10:25:00+09:00
components: [mail-relay]
starts_at: 2026-10-14T10:05:00+09:00
ends_at: 2026-10-14T13:40:00+09:00
updates:
  - at: 2026-10-14T10:25:00+09:00
    status: investigating
    body: 送信遅延が発生しており、原因を調査しております。
  - at: 2026-10-14T13:50:00+09:00
    status: resolved
    body: 滞留していたメールの再送が完了し、送信遅延は解消いたしました。
---

DNS キャッシュサーバの障害により、宛先ドメインの名前解決に失敗しました。
""",
        None,
    ),
    (
        "webmail-maintenance-2026-06",
        """---
title: 【メンテナンス】Web メールのサーバー OS 更新（6月6日）
kind: maintenance
status: completed
date: 2026-05-20T10:00:00+09:00
components: [webmail]
starts_at: 2026-06-06T01:00:00+09:00
ends_at: 2026-06-06T04:00:00+09:00
---

サーバー OS のセキュリティ更新を実施いたしました。
""",
        None,
    ),
    (
        "vpn-incident-2026-09",
        """---
title: 【障害】VPN 接続サービスで接続できない事象（9月3日）
kind: incident
status: resolved
impact: partial
date: 2026-09-03T09:10:00+09:00
components: [vpn]
starts_at: 2026-09-03T08:40:00+09:00
ends_at: 2026-09-03T09:55:00+09:00
updates:
  - at: 2026-09-03T09:55:00+09:00
    status: resolved
    body: 認証サーバーの切り替えにより復旧いたしました。
---

認証サーバーの証明書の更新漏れにより、一部のお客様で VPN に接続できない状態となりました。
""",
        """---
title: "[Incident] VPN connections failed (September 3)"
kind: incident
status: resolved
impact: partial
date: 2026-09-03T09:10:00+09:00
components: [vpn]
starts_at: 2026-09-03T08:40:00+09:00
ends_at: 2026-09-03T09:55:00+09:00
updates:
  - at: 2026-09-03T09:55:00+09:00
    status: resolved
    body: Recovered by switching the authentication server.
---

A certificate on the authentication server had not been renewed.
""",
    ),
    (
        "year-end-holidays-2026",
        """---
title: 年末年始休業のお知らせ
kind: announcement
date: 2026-11-10T10:00:00+09:00
---

2026年12月29日から2027年1月4日まで休業いたします。
""",
        """---
title: Year-end holidays
kind: announcement
date: 2026-11-10T10:00:00+09:00
---

We are closed from December 29, 2026 to January 4, 2027.
""",
    ),
]


def main():
    if len(sys.argv) != 3 or not sys.argv[1].isdigit() or int(sys.argv[1]) < 10:
        sys.exit("usage: gen_corpus.py N OUTDIR   (N >= 10 pages)")
    n = int(sys.argv[1])
    out = sys.argv[2]
    content = os.path.join(out, "content")
    if os.path.exists(content):
        shutil.rmtree(content)
    r = random.Random(SEED)

    # Items: Japanese pages, ~EN_SHARE of the N files are English translations of them.
    n_en = int(round(n * EN_SHARE))
    n_ja = n - n_en
    items = []
    buckets = [(c[0], s[0]) for c in CATEGORIES for s in SUBS]
    for k in range(n_ja):
        it = Item()
        it.cat, it.sub = buckets[k % len(buckets)]
        words = r.sample(EN_WORDS, 2)
        it.slug = f"{words[0]}-{words[1]}-{k + 1:05d}"
        it.id = 100000 + k + 1
        it.customer = r.random() < CUSTOMER_SHARE
        it.en = False
        it.kw_ja = r.sample(JA_NOUNS, r.randint(3, 6))
        it.kw_en = r.sample(EN_WORDS, r.randint(3, 6))
        items.append(it)
    for it in r.sample(items, n_en):
        it.en = True

    write(os.path.join(content, "site.yaml"), SITE_YAML)
    write(
        os.path.join(content, "faq", "_index.md"),
        "---\ntitle: よくあるご質問（FAQ）\ndescription: 製品・サービスごとのよくあるご質問\nweight: 1\n---\n\n"
        + ja_para(r)
        + "\n",
    )
    write(
        os.path.join(content, "faq", "_index.en.md"),
        "---\ntitle: Frequently asked questions\ndescription: Questions and answers by product\nweight: 1\n---\n\n"
        + en_para(r)
        + "\n",
    )
    for ci, (cat, ja, en) in enumerate(CATEGORIES):
        d = os.path.join(content, "faq", cat)
        write(os.path.join(d, "_index.md"), f"---\ntitle: {ja}\ndescription: {ja}に関するご質問\nweight: {ci + 1}\n---\n\n{ja_para(r)}\n")
        write(os.path.join(d, "_index.en.md"), f"---\ntitle: {en}\ndescription: Questions about {en}\nweight: {ci + 1}\n---\n\n{en_para(r)}\n")
        for si, (sub, sja, sen) in enumerate(SUBS):
            sd = os.path.join(d, sub)
            write(os.path.join(sd, "_index.md"), f"---\ntitle: {sja}\ndescription: {ja}の{sja}\nweight: {si + 1}\n---\n")
            write(os.path.join(sd, "_index.en.md"), f"---\ntitle: {sen}\ndescription: {sen} of {en}\nweight: {si + 1}\n---\n")

    # Target sizes: uniform in [0.4, 1.6] x AVG, corrected for the last block's overshoot.
    for it in items:
        d = os.path.join(content, "faq", it.cat, it.sub)
        date, updated = date_pair(r)
        vis = "visibility: customer\n" if it.customer else ""
        weight = r.randint(1, 20)
        fm = (
            f"---\ntitle: {ja_title(r)}\nid: {it.id}\nkeywords: [{', '.join(it.kw_ja)}]\n"
            f"date: {date}\nupdated: {updated}\nweight: {weight}\n{vis}---\n\n"
        )
        target = int(AVG_BYTES * r.uniform(0.4, 1.6)) - 350 - len(fm.encode())
        write(os.path.join(d, it.slug + ".md"), fm + body(r, it, items, False, content, target))
        if it.en:
            fm = (
                f"---\ntitle: {en_title(r)}\nid: {it.id}\nkeywords: [{', '.join(it.kw_en)}]\n"
                f"date: {date}\nupdated: {updated}\nweight: {weight}\n{vis}---\n\n"
            )
            target = int(AVG_BYTES * r.uniform(0.4, 1.6)) - 350 - len(fm.encode())
            write(os.path.join(d, it.slug + ".en.md"), fm + body(r, it, items, True, content, target))

    for slug, ja, en in NOTICES:
        write(os.path.join(content, "notices", slug + ".md"), ja)
        if en:
            write(os.path.join(content, "notices", slug + ".en.md"), en)

    total = 0
    files = 0
    for root, _, names in os.walk(content):
        for name in names:
            if name.endswith(".md"):
                files += 1
                total += os.path.getsize(os.path.join(root, name))
    print(f"gen_corpus: {n} FAQ pages ({n_ja} ja, {n_en} en), {files} .md files, {total / 1e6:.1f} MB -> {content}")


if __name__ == "__main__":
    main()
