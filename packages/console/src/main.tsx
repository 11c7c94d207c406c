import { render } from 'preact';
import { ActivitiesPage, ActivityPage } from './activities.js';
import { useEffect, useState } from 'preact/hooks';
import { ExecutionPage } from './execution.js';
import { MachinePage } from './machine.js';
import { MachinesPage } from './machines.js';
import { MapRunPage } from './maprun.js';
import './style.css';

/** The page the location's hash names: `#/`, `#/machine/<arn>`, `#/execution/<arn>`, `#/maprun/<arn>`, `#/activities`, `#/activity/<arn>`. */
const route = (hash: string) => {
  const [, page, arn] = hash.replace(/^#\/?/, '/').split('/').map(decodeURIComponent);
  return { page: page ?? '', arn: arn ?? '' };
};

const App = () => {
  const [where, setWhere] = useState(() => route(location.hash));
  useEffect(() => {
    const moved = () => setWhere(route(location.hash));
    addEventListener('hashchange', moved);
    return () => removeEventListener('hashchange', moved);
  }, []);
  return (
    <>
      <header>
        <a href="#/" class="brand">
          Stepstream
        </a>
        <nav aria-label="Main">
          <a href="#/">State machines</a>
          <a href="#/activities">Activities</a>
        </nav>
      </header>
      <main>
        {where.page === 'machine' ? (
          <MachinePage stateMachineArn={where.arn} key={where.arn} />
        ) : where.page === 'execution' ? (
          <ExecutionPage executionArn={where.arn} key={where.arn} />
        ) : where.page === 'maprun' ? (
          <MapRunPage mapRunArn={where.arn} key={where.arn} />
        ) : where.page === 'activities' ? (
          <ActivitiesPage />
        ) : where.page === 'activity' ? (
          <ActivityPage activityArn={where.arn} key={where.arn} />
        ) : (
          <MachinesPage />
        )}
      </main>
    </>
  );
};

render(<App />, document.getElementById('app')!);
