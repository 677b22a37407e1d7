import { useEffect, useState } from 'react';
import { api, onSignInNeeded, setToken, signIn } from './api.js';
import { RunsList } from './RunsList.js';
import { RunView } from './RunView.js';
import { TriggerRuns } from './TriggerRuns.js';
import { Triggers } from './Triggers.js';
import { Vaults } from './Vaults.js';

/**
 * Hash routes: `#/` runs, `#/runs/{runId}` one run, `#/trigger-runs[?trigger=T]`, `#/triggers`, `#/vaults[/V]`;
 * `?factory=` picks the factory (default `default`).
 */
function useRoute(): string {
  const [hash, setHash] = useState(() => location.hash || '#/');
  useEffect(() => {
    const on = () => setHash(location.hash || '#/');
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash;
}

const TITLES = { runs: 'Runs', 'trigger-runs': 'Trigger runs', triggers: 'Triggers', vaults: 'Vaults' };

export function App() {
  const route = useRoute();
  const [factory, setFactory] = useState(() => new URLSearchParams(location.search).get('factory') ?? 'default');
  const [factories, setFactories] = useState<string[]>([factory]);
  useEffect(() => {
    api
      .factories()
      .then((r) => setFactories(r.value.map((f) => f.name)))
      .catch(() => undefined);
  }, []);
  const [authority, setAuthority] = useState<string | null>(null);
  useEffect(() => {
    onSignInNeeded((a) => setAuthority(a));
    return () => onSignInNeeded(null);
  }, []);
  const runMatch = /^#\/runs\/([0-9a-f-]+)/i.exec(route);
  const vaultMatch = /^#\/vaults(?:\/([^/]+))?/.exec(route);
  const triggerRunsMatch = /^#\/trigger-runs(?:\?trigger=([^&]*))?/.exec(route);
  const triggersMatch = /^#\/triggers\b/.test(route);
  const page: keyof typeof TITLES | 'run' = runMatch
    ? 'run'
    : vaultMatch
      ? 'vaults'
      : triggerRunsMatch
        ? 'trigger-runs'
        : triggersMatch
          ? 'triggers'
          : 'runs';
  useEffect(() => {
    document.title = `${runMatch ? `Run ${runMatch[1].slice(0, 8)}` : TITLES[page as keyof typeof TITLES]} · pipevault`;
  }, [runMatch?.[1], page]);

  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="#/">
          <span aria-hidden="true" className="logo">
            ◆
          </span>{' '}
          pipevault <span className="muted">monitor</span>
        </a>
        <nav aria-label="Main">
          <a href="#/" aria-current={page === 'runs' ? 'page' : undefined}>
            Pipeline runs
          </a>
          <a href="#/trigger-runs" aria-current={page === 'trigger-runs' ? 'page' : undefined}>
            Trigger runs
          </a>
          <a href="#/triggers" aria-current={page === 'triggers' ? 'page' : undefined}>
            Triggers
          </a>
          <a href="#/vaults" aria-current={vaultMatch ? 'page' : undefined}>
            Vaults
          </a>
        </nav>
        <label className="factory-pick">
          Factory{' '}
          <select
            value={factory}
            onChange={(e) => {
              setFactory(e.target.value);
              const u = new URL(location.href);
              u.searchParams.set('factory', e.target.value);
              history.replaceState(null, '', u);
            }}
          >
            {factories.map((f) => (
              <option key={f}>{f}</option>
            ))}
          </select>
        </label>
      </header>
      {authority && <SignIn authority={authority} />}
      <main id="main">
        {vaultMatch ? (
          <Vaults selected={vaultMatch[1] ? decodeURIComponent(vaultMatch[1]) : null} />
        ) : runMatch ? (
          <RunView factory={factory} runId={runMatch[1]} />
        ) : triggerRunsMatch ? (
          <TriggerRuns factory={factory} trigger={decodeURIComponent(triggerRunsMatch[1] ?? '')} />
        ) : triggersMatch ? (
          <Triggers factory={factory} />
        ) : (
          <RunsList factory={factory} />
        )}
      </main>
    </div>
  );
}

/** Off loopback: a principal's client credentials (app ID and secret) get a token for this server. */
function SignIn({ authority }: { authority: string }) {
  const [clientId, setClientId] = useState('');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="signin-backdrop">
      <form
        className="signin"
        aria-labelledby="signin-title"
        onSubmit={(e) => {
          e.preventDefault();
          setToken(null);
          signIn(authority, clientId.trim(), secret)
            .then(() => location.reload())
            .catch((err: Error) => setError(err.message));
        }}
      >
        <h1 id="signin-title">Sign in to pipevault</h1>
        <p className="muted">
          This server is not on a loopback address: sign in with a principal (pipevault identity sp create).
        </p>
        <label>
          Application (client) ID
          <input
            type="text"
            value={clientId}
            onChange={(e) => setClientId(e.target.value)}
            autoComplete="username"
            required
          />
        </label>
        <label>
          Client secret
          <input
            type="password"
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
            autoComplete="current-password"
            required
          />
        </label>
        {error && (
          <p role="alert" className="error-box">
            {error}
          </p>
        )}
        <button type="submit" className="primary">
          Sign in
        </button>
      </form>
    </div>
  );
}
