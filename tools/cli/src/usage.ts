export const USAGE = `usage: warden <command> [options]

commands:
  login                              check the credentials and show who you are
  upload <file|dir> [remote-prefix]  store a file (or every file under a folder) on the fileserver
  download <remote> [local]          fetch an object; resumes after a dropped connection
  list                               objects this machine uploaded (the fileserver cannot list)
  delete <remote...>                 remove objects from the fileserver

options:
  --ledger <path>   upload record (default ~/.warden/uploads.json)
  -q, --quiet       no progress or retry notices
  -h, --help        this text

configuration, as in the ClearML SDK (environment wins over the file):
  CLEARML_API_HOST, CLEARML_WEB_HOST, CLEARML_FILES_HOST,
  CLEARML_API_ACCESS_KEY, CLEARML_API_SECRET_KEY,
  CLEARML_CONFIG_FILE (default ~/clearml.conf: api { api_server, files_server, credentials { access_key, secret_key } })

exit codes: 0 ok, 1 failure, 2 usage`;
