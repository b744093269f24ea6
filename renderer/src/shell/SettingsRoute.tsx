/**
 * Mount point of the settings view. The settings feature (renderer/src/features/settings) replaces this
 * placeholder with its panel.
 */
export function SettingsRoute() {
  return (
    <section className="panel" aria-labelledby="settings-heading">
      <div className="panel__header">
        <h1 id="settings-heading">Settings</h1>
      </div>
      <p className="empty">Hardware, model and memory settings will appear here.</p>
    </section>
  );
}
