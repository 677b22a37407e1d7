import { Fragment, useEffect, useState } from 'react';
import { call } from './api.js';
import { formatTime } from './format.js';

/**
 * Vaults: secrets with their versions, attributes and tags (never values), a value revealed only on request
 * (the server checks `get` and audits the read), access policies and the audit log.
 */
interface VaultInfo {
  name: string;
  enableRbacAuthorization: boolean;
  enableSoftDelete: boolean;
  softDeleteRetentionInDays: number;
  enablePurgeProtection: boolean;
  accessPolicies: { tenantId: string; objectId: string; applicationId?: string; permissions: { secrets: string[] } }[];
}
interface SecretMeta {
  version: string;
  contentType: string | null;
  tags: Record<string, string>;
  attributes: { enabled: boolean; created: number; updated: number; exp?: number; nbf?: number };
}
interface SecretInfo extends SecretMeta {
  name: string;
  versions: SecretMeta[];
}
interface AuditRecord {
  time: string;
  operation: string;
  secretName: string | null;
  version: string | null;
  principal: { objectId: string | null; appId: string | null };
  result: string;
  clientAddress: string | null;
}

const BASE = '/pipevault/monitor/vaults';
const unix = (s?: number) => (s ? formatTime(new Date(s * 1000).toISOString()) : '—');

export function Vaults({ selected }: { selected: string | null }) {
  const [vaults, setVaults] = useState<VaultInfo[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call<{ value: VaultInfo[] }>('GET', BASE)
      .then((r) => setVaults(r.value))
      .catch((e: Error) => setError(e.message));
  }, []);
  const vault = vaults.find((v) => v.name === selected) ?? vaults[0];
  return (
    <section className="page" aria-labelledby="vaults-title">
      <h1 id="vaults-title">Vaults</h1>
      {error && (
        <p role="alert" className="error-box">
          {error}
        </p>
      )}
      <div className="vault-layout">
        <nav aria-label="Vaults" className="vault-list">
          {vaults.map((v) => (
            <a
              key={v.name}
              href={`#/vaults/${encodeURIComponent(v.name)}`}
              aria-current={v === vault ? 'page' : undefined}
            >
              {v.name}
            </a>
          ))}
        </nav>
        {vault && <VaultDetail key={vault.name} vault={vault} />}
      </div>
    </section>
  );
}

function VaultDetail({ vault }: { vault: VaultInfo }) {
  const [tab, setTab] = useState<'secrets' | 'policies' | 'audit'>('secrets');
  return (
    <div className="vault-detail">
      <h2>
        {vault.name}{' '}
        <span className="muted">
          {vault.enableRbacAuthorization ? 'Azure RBAC' : 'access policies'} · soft delete{' '}
          {vault.enableSoftDelete ? `${vault.softDeleteRetentionInDays} days` : 'off'}
          {vault.enablePurgeProtection ? ' · purge protection' : ''}
        </span>
      </h2>
      <div className="tabs" role="tablist" aria-label="Vault views">
        {(['secrets', 'policies', 'audit'] as const).map((t) => (
          <button key={t} type="button" role="tab" aria-selected={tab === t} onClick={() => setTab(t)}>
            {t === 'secrets' ? 'Secrets' : t === 'policies' ? 'Access policies' : 'Audit log'}
          </button>
        ))}
      </div>
      <div className="tab-panel">
        {tab === 'secrets' && <Secrets vault={vault.name} />}
        {tab === 'policies' && <Policies vault={vault} />}
        {tab === 'audit' && <Audit vault={vault.name} />}
      </div>
    </div>
  );
}

function Secrets({ vault }: { vault: string }) {
  const [secrets, setSecrets] = useState<SecretInfo[] | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [revealed, setRevealed] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call<{ value: SecretInfo[] }>('GET', `${BASE}/${encodeURIComponent(vault)}/secrets`)
      .then((r) => setSecrets(r.value))
      .catch((e: Error) => setError(e.message));
  }, [vault]);
  const reveal = (name: string, version: string) =>
    call<{ value: string }>('POST', `${BASE}/${encodeURIComponent(vault)}/secrets/${encodeURIComponent(name)}/reveal`, {
      version,
    })
      .then((r) => setRevealed((m) => ({ ...m, [`${name}/${version}`]: r.value })))
      .catch((e: Error) => setError(e.message));
  if (error)
    return (
      <p role="alert" className="error-box">
        {error}
      </p>
    );
  if (!secrets) return <p aria-busy="true">Loading secrets…</p>;
  if (!secrets.length) return <p className="muted">This vault holds no secrets.</p>;
  return (
    <table className="runs">
      <thead>
        <tr>
          <th scope="col">Secret</th>
          <th scope="col">Enabled</th>
          <th scope="col">Content type</th>
          <th scope="col">Updated</th>
          <th scope="col">Expires</th>
          <th scope="col">Tags</th>
          <th scope="col">Versions</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        {secrets.map((s) => {
          const key = `${s.name}/${s.version}`;
          return (
            <Fragment key={s.name}>
              <tr>
                <td>
                  <strong>{s.name}</strong>
                </td>
                <td>{s.attributes.enabled ? 'Yes' : 'No'}</td>
                <td>{s.contentType ?? '—'}</td>
                <td>{unix(s.attributes.updated)}</td>
                <td>{unix(s.attributes.exp)}</td>
                <td className="params">
                  {Object.entries(s.tags)
                    .map(([k, v]) => `${k}=${v}`)
                    .join(', ') || '—'}
                </td>
                <td>
                  <button
                    type="button"
                    className="link"
                    aria-expanded={open === s.name}
                    onClick={() => setOpen(open === s.name ? null : s.name)}
                  >
                    {s.versions.length} version{s.versions.length === 1 ? '' : 's'}
                  </button>
                </td>
                <td>
                  {revealed[key] !== undefined ? (
                    <span className="revealed">
                      <code>{revealed[key]}</code>{' '}
                      <button
                        type="button"
                        className="link"
                        onClick={() => setRevealed(({ [key]: _, ...rest }) => rest)}
                      >
                        Hide
                      </button>
                    </span>
                  ) : (
                    <button
                      type="button"
                      onClick={() => void reveal(s.name, s.version)}
                      title="Reads the value; the read is audited"
                    >
                      Reveal (audited)
                    </button>
                  )}
                </td>
              </tr>
              {open === s.name &&
                s.versions.map((v) => (
                  <tr key={v.version} className="nested">
                    <td>
                      <code>{v.version}</code>
                    </td>
                    <td>{v.attributes.enabled ? 'Yes' : 'No'}</td>
                    <td>{v.contentType ?? '—'}</td>
                    <td>{unix(v.attributes.created)}</td>
                    <td>{unix(v.attributes.exp)}</td>
                    <td className="params">
                      {Object.entries(v.tags)
                        .map(([k, x]) => `${k}=${x}`)
                        .join(', ') || '—'}
                    </td>
                    <td colSpan={2} />
                  </tr>
                ))}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}

function Policies({ vault }: { vault: VaultInfo }) {
  if (vault.enableRbacAuthorization)
    return <p className="muted">This vault uses Azure RBAC: see `pipevault role assignment list`.</p>;
  if (!vault.accessPolicies.length)
    return <p className="muted">No access policies: only the admin may read this vault.</p>;
  return (
    <table className="runs">
      <thead>
        <tr>
          <th scope="col">Object ID</th>
          <th scope="col">Application ID</th>
          <th scope="col">Secret permissions</th>
        </tr>
      </thead>
      <tbody>
        {vault.accessPolicies.map((p, i) => (
          <tr key={i}>
            <td>
              <code>{p.objectId}</code>
            </td>
            <td>{p.applicationId ? <code>{p.applicationId}</code> : '—'}</td>
            <td>{p.permissions.secrets.join(', ')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Audit({ vault }: { vault: string }) {
  const [records, setRecords] = useState<AuditRecord[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call<{ value: AuditRecord[] }>('GET', `${BASE}/${encodeURIComponent(vault)}/audit?top=300`)
      .then((r) => setRecords(r.value))
      .catch((e: Error) => setError(e.message));
  }, [vault]);
  if (error)
    return (
      <p role="alert" className="error-box">
        {error}
      </p>
    );
  if (!records) return <p aria-busy="true">Loading the audit log…</p>;
  return (
    <table className="runs">
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Operation</th>
          <th scope="col">Secret</th>
          <th scope="col">Principal</th>
          <th scope="col">Result</th>
          <th scope="col">Client</th>
        </tr>
      </thead>
      <tbody>
        {records.map((r, i) => (
          <tr key={i}>
            <td>{formatTime(r.time)}</td>
            <td>{r.operation}</td>
            <td>{r.secretName ?? '—'}</td>
            <td>
              <code>{(r.principal.appId ?? r.principal.objectId ?? '—').slice(0, 8)}</code>
            </td>
            <td>
              <span
                className={`badge s-${r.result === 'Success' ? 'Succeeded' : r.result === 'Denied' ? 'Failed' : 'Cancelled'}`}
              >
                {r.result}
              </span>
            </td>
            <td>{r.clientAddress ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
