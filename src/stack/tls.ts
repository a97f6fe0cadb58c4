import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { UserError } from "../config/errors.ts";

/**
 * A local CA (kept in the state folder across starts) and a server certificate for localhost / 127.0.0.1,
 * made with openssl. The homeservers trust the CA for federation (federation_custom_ca_list); the harness
 * trusts it through the target's MXACCEPT_CA_FILE.
 */
export interface TlsFiles {
  caCert: string;
  caKey: string;
  cert: string;
  key: string;
  /** The system's CA bundle plus the local CA: what the instance's own outbound TLS clients (OIDC) trust. */
  trustBundle: string;
}

const SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    if (err.code === "ENOENT") throw new UserError("openssl is not installed: run 'npm run setup' (or apt-get install openssl) and retry.");
    const line = err.stderr?.toString().trim().split("\n")[0] ?? String(e);
    throw new UserError(`openssl ${args[0]} failed (${line}): delete ${cwd} and retry.`);
  }
}

export function ensureTls(dir: string, host = "localhost"): TlsFiles {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files: TlsFiles = {
    caCert: join(dir, "ca.crt"),
    caKey: join(dir, "ca.key"),
    cert: join(dir, "server.crt"),
    key: join(dir, "server.key"),
    trustBundle: join(dir, "trust-bundle.pem"),
  };
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  if (!existsSync(files.caCert) || !existsSync(files.caKey)) {
    openssl(["req", "-x509", ...ec, "-keyout", files.caKey, "-out", files.caCert, "-days", "3650", "-subj", "/CN=mxaccept local CA",
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], dir);
  }
  if (!existsSync(files.cert) || !existsSync(files.key)) {
    const ext = join(dir, "server.ext");
    writeFileSync(ext, `subjectAltName=DNS:${host},IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n`);
    openssl(["req", ...ec, "-keyout", files.key, "-out", join(dir, "server.csr"), "-subj", `/CN=${host}`], dir);
    openssl(["x509", "-req", "-in", join(dir, "server.csr"), "-CA", files.caCert, "-CAkey", files.caKey, "-CAcreateserial",
      "-out", files.cert, "-days", "825", "-extfile", ext], dir);
  }
  const system = existsSync(SYSTEM_BUNDLE) ? readFileSync(SYSTEM_BUNDLE, "utf8") : "";
  writeFileSync(files.trustBundle, `${system.trimEnd()}\n${readFileSync(files.caCert, "utf8")}`);
  return files;
}
