/** `{dataDir}/server.json`: how CLI commands find a live server. Written by `pipevault start`, removed on a clean stop. */
export interface ServerJson {
  url: string;
  port: number;
  pid: number;
  tenant: string;
  caFile: string | null;
  caBundleFile: string | null;
  adminCredentialFile: string;
}

export const SERVER_JSON = 'server.json';
