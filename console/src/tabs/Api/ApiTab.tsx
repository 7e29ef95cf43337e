// Part 2 of the console (issue 13) builds this tab; until then it says so.
export default function ApiTab() {
  return (
    <div className="tab">
      <h2>API</h2>
      <p className="empty">Coming: this tab is part of the console's next step.</p>
    </div>
  );
}
