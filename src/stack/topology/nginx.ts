/**
 * nginx in front of hs1 in the production topology: the routing of Synapse's workers documentation
 * (docs/workers.md, "synapse.app.generic_worker" and "synapse.app.media_repository"), TLS with the stack's CA,
 * HSTS, plain HTTP redirected, the admin API only on its own port, metrics nowhere public.
 *
 * Upstream names an `--overlay-nginx` file may use: hs1_main, hs1_client (sync and client reads), hs1_federation
 * (inbound federation), hs1_media (media repository). The overlay is included first in the public client server
 * block, so its regex locations win over the generated ones (nginx takes the first matching regex).
 *
 * Parts may add routes and well-known keys (`Ingress`, src/stack/parts.ts): MAS's compatibility paths
 * (`/login`, `/logout`, `/refresh`) go to the upstream `mas` (MAS's https listener, verified against the local CA),
 * and the client well-known announces MAS (MSC2965).
 *
 * Access logs: client-access.log (the public client host), admin-access.log (the admin host), access.log (the
 * delegation host and the plain-HTTP redirect): which requests reached which surface, e.g. that no admin request
 * was sent to the public URL.
 */

import type { Ingress } from "../parts.ts";

export interface NginxPorts {
  https: number;
  http: number;
  client: number;
  admin: number;
  main: number;
  client1: number;
  federation1: number;
  media1: number;
}

/** Sync requests (docs/workers.md, generic_worker). */
export const SYNC_PATHS = [
  "^/_matrix/client/(r0|v3)/sync$",
  "^/_matrix/client/(api/v1|r0|v3)/events$",
  "^/_matrix/client/(api/v1|r0|v3)/initialSync$",
  "^/_matrix/client/(api/v1|r0|v3)/rooms/[^/]+/initialSync$",
];

/** Client reads a generic worker serves (docs/workers.md, "Client API requests" and encryption queries). */
export const CLIENT_READ_PATHS = [
  "^/_matrix/client/(api/v1|r0|v3|unstable)/publicRooms$",
  "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/.*/joined_members$",
  "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/.*/context/.*$",
  "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/.*/members$",
  "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/.*/state$",
  "^/_matrix/client/(v1|unstable)/rooms/.*/relations/",
  "^/_matrix/client/(r0|v3|unstable)/account/whoami$",
  "^/_matrix/client/versions$",
  "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/.*/event/",
  "^/_matrix/client/(api/v1|r0|v3|unstable)/joined_rooms$",
  "^/_matrix/client/(api/v1|r0|v3|unstable)/search$",
  "^/_matrix/client/(r0|v3|unstable)/capabilities$",
  "^/_matrix/client/(r0|v3|unstable)/notifications$",
  "^/_matrix/client/(r0|v3|unstable)/keys/query$",
  "^/_matrix/client/(r0|v3|unstable)/keys/changes$",
  "^/_matrix/client/(r0|v3|unstable)/keys/claim$",
  "^/_matrix/client/(r0|v3|unstable)/user_directory/search$",
];

/** Inbound federation (docs/workers.md, "Federation requests" and the transaction endpoint). */
export const FEDERATION_PATHS = [
  "^/_matrix/federation/v1/version$",
  "^/_matrix/federation/v1/event/",
  "^/_matrix/federation/v1/state/",
  "^/_matrix/federation/v1/state_ids/",
  "^/_matrix/federation/v1/backfill/",
  "^/_matrix/federation/v1/get_missing_events/",
  "^/_matrix/federation/v1/publicRooms",
  "^/_matrix/federation/v1/query/",
  "^/_matrix/federation/v1/make_join/",
  "^/_matrix/federation/v1/make_leave/",
  "^/_matrix/federation/(v1|v2)/send_join/",
  "^/_matrix/federation/(v1|v2)/send_leave/",
  "^/_matrix/federation/(v1|v2)/invite/",
  "^/_matrix/federation/v1/event_auth/",
  "^/_matrix/federation/v1/timestamp_to_event/",
  "^/_matrix/federation/v1/user/devices/",
  "^/_matrix/key/v2/query",
  "^/_matrix/federation/v1/hierarchy/",
  "^/_matrix/federation/v1/send/",
];

/** The media repository (docs/workers.md, synapse.app.media_repository). */
export const MEDIA_PATHS = ["^/_matrix/media/", "^/_matrix/client/v1/media/", "^/_matrix/federation/v1/media/", "^/_synapse/media/"];
export const MEDIA_ADMIN_PATHS = [
  "^/_synapse/admin/v1/purge_media_cache$",
  "^/_synapse/admin/v1/room/.*/media.*$",
  "^/_synapse/admin/v1/user/.*/media.*$",
  "^/_synapse/admin/v1/media/.*$",
  "^/_synapse/admin/v1/quarantine_media/.*$",
  "^/_synapse/admin/v1/users/.*/media$",
];

function regex(paths: string[]): string {
  return `^(?:${paths.map((p) => p.replace(/^\^/, "")).join("|")})`;
}

function location(paths: string[], upstream: string): string {
  return `    location ~ ${JSON.stringify(regex(paths))} { proxy_pass http://${upstream}; }`;
}

export function nginxConfig(o: {
  dir: string;
  ports: NginxPorts;
  tls: { cert: string; key: string; caCert?: string };
  serverName: string;
  clientUrl: string;
  maxUploadBytes: number;
  overlay?: string;
  asRoot: boolean;
  /** What parts add to hs1's public entry: routes to their upstreams, keys of the client well-known. */
  ingress?: Ingress[];
}): string {
  const p = o.ports;
  const serverWellKnown = JSON.stringify({ "m.server": `${o.serverName}:${p.client}` });
  const clientWellKnown = JSON.stringify({ "m.homeserver": { base_url: o.clientUrl }, ...Object.assign({}, ...(o.ingress ?? []).map((i) => i.clientWellKnown ?? {})) });
  const routes = (o.ingress ?? []).flatMap((i) => i.routes ?? []);
  const upstreams = routes.map((r) => `  upstream ${r.name} { server ${r.upstream.host}:${r.upstream.port}; }\n`).join("");
  const routeLocations = routes.map((r) => {
    // An https upstream (MAS's own TLS listener) is verified against the stack's CA, as a client would.
    const tlsUpstream = r.upstream.tls ? ` proxy_ssl_verify on; proxy_ssl_trusted_certificate ${o.tls.caCert}; proxy_ssl_name localhost; proxy_ssl_server_name on;` : "";
    const bind = r.clientAddress ? " proxy_bind $remote_addr;" : "";
    return `    location ~ ${JSON.stringify(regex(r.paths))} {${bind} proxy_pass ${r.upstream.tls ? "https" : "http"}://${r.name};${tlsUpstream} }\n`;
  }).join("");
  const wellKnown = [
    `    location = /.well-known/matrix/server { default_type application/json; add_header Access-Control-Allow-Origin "*" always; add_header Strict-Transport-Security "max-age=63072000" always; return 200 '${serverWellKnown}'; }`,
    `    location = /.well-known/matrix/client { default_type application/json; add_header Access-Control-Allow-Origin "*" always; add_header Strict-Transport-Security "max-age=63072000" always; return 200 '${clientWellKnown}'; }`,
  ];
  const tls = (port: number) => [
    `    listen 127.0.0.1:${port} ssl;`,
    `    server_name ${o.serverName};`,
    // A plain HTTP request on a TLS port is redirected, not answered with 400.
    "    error_page 497 =301 https://$host:$server_port$request_uri;",
  ];
  const notPublic = [
    '    location ~ "^/_synapse/admin" { return 404; }',
    '    location ~ "^/(_synapse/)?metrics" { return 404; }',
  ];
  return `# Written by 'mxaccept stack up --topology production' (src/stack/topology/nginx.ts).
${o.asRoot ? "user root;\n" : ""}worker_processes 1;
pid ${o.dir}/nginx.pid;
error_log ${o.dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log ${o.dir}/access.log;
  client_body_temp_path ${o.dir}/tmp/body;
  proxy_temp_path ${o.dir}/tmp/proxy;
  fastcgi_temp_path ${o.dir}/tmp/fastcgi;
  uwsgi_temp_path ${o.dir}/tmp/uwsgi;
  scgi_temp_path ${o.dir}/tmp/scgi;
  client_max_body_size ${o.maxUploadBytes + 1024 * 1024};
  proxy_request_buffering off;
  proxy_http_version 1.1;
  proxy_read_timeout 600s;
  proxy_send_timeout 600s;
  proxy_set_header Host $host:$server_port;
  proxy_set_header X-Forwarded-For $remote_addr;
  proxy_set_header X-Forwarded-Proto $scheme;
  ssl_certificate ${o.tls.cert};
  ssl_certificate_key ${o.tls.key};
  ssl_protocols TLSv1.2 TLSv1.3;
  add_header Strict-Transport-Security "max-age=63072000" always;
  types_hash_max_size 2048;

  upstream hs1_main { server 127.0.0.1:${p.main}; }
  upstream hs1_client { server 127.0.0.1:${p.client1}; }
  upstream hs1_federation { server 127.0.0.1:${p.federation1}; }
  upstream hs1_media { server 127.0.0.1:${p.media1}; }
${upstreams}
  # Plain HTTP: redirected to https.
  server {
    listen 127.0.0.1:${p.http};
    return 301 https://$host$request_uri;
  }

  # The server name's own host: only the delegation documents.
${["  server {", ...tls(p.https), ...wellKnown, "    location / { return 404; }", "  }"].join("\n")}

  # The public client and federation API.
  server {
${tls(p.client).join("\n")}
    access_log ${o.dir}/client-access.log;
${o.overlay ? `    include ${o.overlay};\n` : ""}${routeLocations}${notPublic.join("\n")}
${wellKnown.join("\n")}
${location(SYNC_PATHS, "hs1_client")}
${location(CLIENT_READ_PATHS, "hs1_client")}
${location(MEDIA_PATHS, "hs1_media")}
${location(FEDERATION_PATHS, "hs1_federation")}
    location ~ "^/(_matrix|_synapse/client|health$)" { proxy_pass http://hs1_main; }
    location / { return 404; }
  }

  # The admin API (and the client API for admin tools that log in there); not the public host.
  server {
${tls(p.admin).join("\n")}
    access_log ${o.dir}/admin-access.log;
    location ~ "^/(_synapse/)?metrics" { return 404; }
${location(MEDIA_ADMIN_PATHS, "hs1_media")}
${location(MEDIA_PATHS, "hs1_media")}
    location ~ "^/(_synapse/admin|_matrix|_synapse/client|health$)" { proxy_pass http://hs1_main; }
    location / { return 404; }
  }
}
`;
}
