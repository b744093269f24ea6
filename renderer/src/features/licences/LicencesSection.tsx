import type { LicenceEntry } from '@common/licences';
import './licences.css';

/**
 * Settings → About: the licence of every dependency that ships in the app (generated from node_modules when the
 * app is built), GPL-family components first and called out, as they put conditions on redistribution.
 */
export function LicencesSection({ entries }: { entries: readonly LicenceEntry[] }) {
  const gpl = entries.filter((e) => e.gpl);
  const ordered = [...gpl, ...entries.filter((e) => !e.gpl)];
  return (
    <section className="licences" aria-labelledby="licences-heading">
      <h2 id="licences-heading" className="section-title">
        About: open-source licences
      </h2>
      <p>
        RotorScribe ships {entries.length} open-source components.
        {gpl.length > 0 && (
          <>
            {' '}
            Under the GNU GPL family: <strong>{gpl.map((e) => e.name).join(', ')}</strong> — their source code
            is available from the projects listed.
          </>
        )}
      </p>
      <details>
        <summary>All components and their licences</summary>
        <table className="licences__table">
          <thead>
            <tr>
              <th scope="col">Component</th>
              <th scope="col">Version</th>
              <th scope="col">Licence</th>
              <th scope="col">Source</th>
            </tr>
          </thead>
          <tbody>
            {ordered.map((e) => (
              <tr key={`${e.name}@${e.version}`} className={e.gpl ? 'licences__gpl' : undefined}>
                <td>{e.name}</td>
                <td>{e.version}</td>
                <td>
                  {e.licence}
                  {e.gpl && <span className="licences__badge">GPL</span>}
                </td>
                <td className="licences__source">{e.homepage ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}
