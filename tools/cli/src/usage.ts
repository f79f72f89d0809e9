export const USAGE = `usage: warden <command> [options]

commands:
  login                              check the credentials and show who you are
  upload <file|dir> [remote-prefix]  store a file (or every file under a folder) on the fileserver
  download <remote> [local]          fetch an object; resumes after a dropped connection
  list                               objects this machine uploaded (the fileserver cannot list)
  delete <remote...>                 remove objects from the fileserver
  doctor [--api-url U] [--web-url U] [--files-url U] [--compose FILE] [--manifest FILE] [--ca-file PEM]
                                     check a deployment against the hardening checklist (doctor --help)

options:
  --ledger <path>   upload record (default ~/.warden/uploads.json)
  -q, --quiet       no progress or retry notices
  -h, --help        this text

https servers (environment / clearml.conf equivalents in brackets):
  --ca-file <pem>              trust this private CA instead of the well-known roots
                               [WARDEN_CA_FILE, REQUESTS_CA_BUNDLE, api.tls.ca_file]
  --cert-name <name>           the name the server's certificate carries, when connecting by IP or another name
                               [WARDEN_CERT_NAME, api.tls.cert_name]
  --skip-verify                do not verify certificates (encrypted, but anyone on the path can pose as the server)
                               [WARDEN_SKIP_VERIFY=true, api.verify_certificate: false]
  --trust-fingerprint <sha256> confirm the certificate a server presents on first use; without a CA file, a
                               certificate no trusted CA signed stops the first connection with its fingerprint,
                               and once confirmed (here, or at the terminal's prompt) it is stored per server in
                               ~/.warden/trusted-certificates.json: that server is then accepted with exactly
                               that certificate and refused with any other

configuration, as in the ClearML SDK (environment wins over the file):
  CLEARML_API_HOST, CLEARML_WEB_HOST, CLEARML_FILES_HOST,
  CLEARML_API_ACCESS_KEY, CLEARML_API_SECRET_KEY,
  CLEARML_CONFIG_FILE (default ~/clearml.conf: api { api_server, files_server, credentials { access_key, secret_key } })

exit codes: 0 ok, 1 failure, 2 usage`;
