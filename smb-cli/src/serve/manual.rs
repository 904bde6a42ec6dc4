//! `smb serve --help`: the manual.

pub(crate) const SERVE_ABOUT: &str =
    "Serve folders over SMB1 (CIFS) to old clients: scanners, NAS boxes, \
industrial and medical controllers, Windows XP/2000 and DOS machines.

Shares, accounts and settings come from the command line, from a TOML configuration file \
(--config; see smb-serve.example.toml, where every key is commented), or both: options \
given on the command line add shares and accounts to the file's and override its other \
settings. Only NTLMv2 logons are accepted unless --allow-ntlmv1 / --allow-lm / \
--allow-plaintext say otherwise; guests only with --guest or a share that lets them in.";

pub(crate) const SERVE_MANUAL: &str = "\
ACCOUNTS
    Keep accounts in a database of password hashes (never passwords), changed with
    `smb user`, and give it to the server with --users FILE or `users = \"FILE\"`:
        smb user add scanner --db /etc/smb-serve/users   # asks for the password
        SMB_PASSWORD=... smb user passwd scanner --db FILE
        smb user del scanner --db FILE;  smb user list --db FILE
    The password comes from a prompt, SMB_PASSWORD or the first line of standard input.
    The file holds NAME:NT-HASH lines (and an LM hash for accounts added with
    --allow-lm, for old clients of a server with allow_lm), mode 0600, written
    atomically. --user NAME:PASSWORD and [[user]] tables with a password also work, but
    a password on the command line is visible to every local user.

PER-SHARE ACCESS ([[share]] keys in the configuration file)
    read = [\"office\"]        accounts that may read
    write = [\"scanner\"]      accounts that may read and write
                             (with neither list, every account may read and write; with
                             either, only the accounts named may connect; refused tree
                             connects get STATUS_ACCESS_DENIED)
    drop_box = true          writers may create and write new files but not list, read,
                             rename, delete or overwrite what is there (a scan folder a
                             scanner must not read); an account in both lists reads and
                             writes normally
    guest = true             guest and anonymous sessions may connect, as the name
                             \"guest\" in the lists (default: the server-wide guest)
    browseable = false       not listed by smbclient -L or Network Neighbourhood
    read_only = true         nobody writes
    Everything is checked in the server core on every request: what a tree may not do is
    answered STATUS_ACCESS_DENIED.

AUDIT LOG
    One line per logon (peer, user, auth kind, result; a refusal with its reason and
    status), tree connect (share, access), file created, written (bytes), renamed,
    linked (hard link) and deleted, and refused tree connect or access (share, path, reason, status), to
    standard error or --audit-log FILE, as text or JSON lines (--log-format json). Never
    a password, hash or response. Besides it, every refusal is also one warning line
    (\"refused: peer=...\", for fail2ban) on standard error, and diagnostics (-v, -vv)
    go there through tracing, with a span per connection.

OLD CLIENTS (THE LANMAN DIALECTS)
    DOS (MS Client 3.0, LAN Manager), Windows for Workgroups, OS/2 and early Windows 95
    offer only the pre-NT dialects (LANMAN1.0, LM1.2X002, DOS LANMAN2.1, LANMAN2.1),
    which have one password field: an LM response or the password in clear. They are
    served when --allow-lm (allow_lm) or --allow-plaintext (allow_plaintext) is on;
    otherwise they are refused with a log line saying why.
    --allow-plaintext        accept plaintext passwords; without --allow-lm those clients
                             get no challenge and send the password in clear (only on a
                             trusted network)
    --min-protocol P         oldest dialect family accepted (min_protocol): LANMAN1,
                             LANMAN2 or NT1 (default: LANMAN1 with --allow-lm or
                             --allow-plaintext, else NT1), as Samba's server min protocol
    --max-protocol P         newest dialect family offered (max_protocol; default NT1)
    --dos-charset CP         code page of names from clients without Unicode
                             (dos_charset): CP437, CP850 (default), CP852, CP858, CP866
                             or ISO-8859-1
    Clients that cannot take long names see 8.3 names (LONGNA~1.TXT). NT LM 0.12 clients
    see no change.

SIGNALS
    SIGHUP   reload: read the configuration file and the account database again. New
             logons and tree connects use the new settings; connections in flight keep
             working (they keep the shares they have). A configuration with an error is
             refused with a message and the running one stays. The audit log file is
             reopened. Listen address, engine, NetBIOS framing and the name
             service's settings (names, comment, broadcast) need a restart.
    SIGTERM, SIGINT   stop accepting, finish requests in flight, close every handle, exit.

FILES
    /etc/smb-serve/smb-serve.toml   configuration (docs/smb-serve.service uses it)
    /etc/smb-serve/users            account database (smb user's default)

EXAMPLES
    smb serve --listen 127.0.0.1:44445 --share demo=/tmp/demo --user me:secret
    smb serve --config /etc/smb-serve/smb-serve.toml
    smb serve --share scans=/srv/scans --users /etc/smb-serve/users --log-format json \\
              --audit-log /var/log/smb-serve/audit.log

EXIT STATUS
    0 after a stop by signal; 2 when the configuration or the arguments are wrong or the
    address cannot be bound.";
