/** Windows the activity pages offer (the workers keep 48 hours). */
const WINDOWS = [1, 6, 24, 48] as const;

/** The window an activity page shows, in hours. */
export function HoursPicker({
  hours,
  onChange,
}: {
  hours: number;
  onChange: (hours: number) => void;
}) {
  return (
    <label className="inline-field">
      Last{' '}
      <select value={hours} onChange={(event) => onChange(Number(event.target.value))}>
        {WINDOWS.map((each) => (
          <option key={each} value={each}>
            {each === 1 ? 'hour' : `${each} hours`}
          </option>
        ))}
      </select>
    </label>
  );
}
