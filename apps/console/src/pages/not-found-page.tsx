import { Link } from '../routing/router.js';

export function NotFoundPage() {
  return (
    <section className="state state-empty">
      <h1>No such page</h1>
      <p>
        <Link to={{ page: 'overview' }}>Back to the overview</Link>
      </p>
    </section>
  );
}
