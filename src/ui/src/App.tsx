import { useEffect, useState } from 'react';
import { api } from './api.js';
import { RunsList } from './RunsList.js';
import { RunView } from './RunView.js';
import { Vaults } from './Vaults.js';

/** Hash routes: `#/` runs, `#/runs/{runId}` one run; `?factory=` picks the factory (default `default`). */
function useRoute(): string {
  const [hash, setHash] = useState(() => location.hash || '#/');
  useEffect(() => {
    const on = () => setHash(location.hash || '#/');
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash;
}

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
  const runMatch = /^#\/runs\/([0-9a-f-]+)/i.exec(route);
  const vaultMatch = /^#\/vaults(?:\/([^/]+))?/.exec(route);
  useEffect(() => {
    document.title = runMatch ? `Run ${runMatch[1].slice(0, 8)} · pipevault` : 'Runs · pipevault';
  }, [runMatch?.[1]]);

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
          <a href="#/" aria-current={!runMatch && !vaultMatch ? 'page' : undefined}>
            Pipeline runs
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
      <main id="main">
        {vaultMatch ? (
          <Vaults selected={vaultMatch[1] ? decodeURIComponent(vaultMatch[1]) : null} />
        ) : runMatch ? (
          <RunView factory={factory} runId={runMatch[1]} />
        ) : (
          <RunsList factory={factory} />
        )}
      </main>
    </div>
  );
}
