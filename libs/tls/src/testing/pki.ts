import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A private PKI made by the tests with openssl at run time (nothing committed): a root, an
 * intermediate it signs, and leaves the intermediate signs, with any names and validity dates.
 * `openssl ca` signs every certificate because it alone (in OpenSSL 3.0) takes explicit start and
 * end dates, which the expired and not-yet-valid cases need.
 */
export interface Issued {
  /** PEM of this certificate alone. */
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

export interface LeafOptions {
  /** DNS names and IP addresses for subjectAltName; the first DNS name is also the CN. */
  dns?: string[];
  ips?: string[];
  /** Validity relative to now, in days (negative: in the past). */
  fromDays?: number;
  toDays?: number;
  issuer?: Issued;
}

export class TestPki {
  readonly dir: string;
  readonly root: Issued;
  readonly intermediate: Issued;
  private serial = 1;

  constructor(name = 'Warden Test') {
    this.dir = mkdtempSync(join(tmpdir(), 'warden-pki-'));
    mkdirSync(join(this.dir, 'new'));
    writeFileSync(join(this.dir, 'index.txt'), '');
    writeFileSync(join(this.dir, 'ca.cnf'), caConfig(this.dir));
    this.root = this.selfSigned(`${name} Root CA`);
    this.intermediate = this.sign('intermediate', `${name} Intermediate CA`, 'v3_ca', { issuer: this.root, toDays: 365 });
  }

  /** A server certificate signed by the intermediate (or `issuer`). */
  leaf(file: string, options: LeafOptions = {}): Issued {
    const dns = options.dns ?? ['localhost'];
    const ext = [...dns.map((d) => `DNS:${d}`), ...(options.ips ?? []).map((ip) => `IP:${ip}`)].join(',');
    writeFileSync(
      join(this.dir, `${file}.ext`),
      `[ext]\nbasicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${ext}\n`,
    );
    return this.sign(file, dns[0] ?? options.ips?.[0] ?? 'leaf', 'ext', { ...options, extFile: join(this.dir, `${file}.ext`) });
  }

  /** Writes PEM blocks into one file (a chain file: leaf first, then each issuer). */
  write(file: string, ...parts: string[]): string {
    const path = join(this.dir, file);
    writeFileSync(path, parts.join(''));
    return path;
  }

  /** The leaf with its intermediate and the root: what a private CA's server must present. */
  fullChain(leaf: Issued, file = 'fullchain.pem'): string {
    return this.write(file, leaf.cert, this.intermediate.cert, this.root.cert);
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private newKey(file: string): string {
    const keyFile = join(this.dir, `${file}.key`);
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile]);
    return keyFile;
  }

  private selfSigned(cn: string): Issued {
    const keyFile = this.newKey('root');
    const certFile = join(this.dir, 'root.pem');
    openssl([
      'req',
      '-x509',
      '-new',
      '-key',
      keyFile,
      '-subj',
      `/CN=${cn}`,
      '-days',
      '3650',
      '-config',
      join(this.dir, 'ca.cnf'),
      '-extensions',
      'v3_ca',
      '-out',
      certFile,
    ]);
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile };
  }

  private sign(file: string, cn: string, extensions: string, options: LeafOptions & { extFile?: string }): Issued {
    const issuer = options.issuer ?? this.intermediate;
    const keyFile = this.newKey(file);
    const csr = join(this.dir, `${file}.csr`);
    const certFile = join(this.dir, `${file}.pem`);
    openssl(['req', '-new', '-key', keyFile, '-subj', `/CN=${cn}`, '-out', csr]);
    writeFileSync(join(this.dir, 'serial'), (this.serial++).toString(16).padStart(4, '0'));
    openssl([
      'ca',
      '-batch',
      '-notext',
      '-config',
      join(this.dir, 'ca.cnf'),
      '-cert',
      issuer.certFile,
      '-keyfile',
      issuer.keyFile,
      '-in',
      csr,
      '-out',
      certFile,
      '-startdate',
      stamp(options.fromDays ?? -1),
      '-enddate',
      stamp(options.toDays ?? 90),
      '-extensions',
      extensions,
      ...(options.extFile ? ['-extfile', options.extFile] : []),
    ]);
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile };
  }
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** openssl's GeneralizedTime form, YYYYMMDDHHMMSSZ. */
function stamp(days: number): string {
  return `${new Date(Date.now() + days * 86_400_000).toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

function caConfig(dir: string): string {
  return `[ca]
default_ca = ca_default
[ca_default]
database = ${join(dir, 'index.txt')}
new_certs_dir = ${join(dir, 'new')}
serial = ${join(dir, 'serial')}
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
[policy_any]
commonName = supplied
[req]
distinguished_name = dn
[dn]
[v3_ca]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
`;
}
