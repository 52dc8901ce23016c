import { useState, type FormEvent } from 'react';

interface FindByIdProps {
  label: string;
  onFind: (id: string) => void;
}

/** A one-field form that opens a task or a workflow by its id. */
export function FindById({ label, onFind }: FindByIdProps) {
  const [id, setId] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (id.trim() !== '') onFind(id.trim());
  };
  const inputId = `find-${label.toLowerCase().replace(/\W+/g, '-')}`;
  return (
    <form className="find-by-id" onSubmit={submit} role="search">
      <label htmlFor={inputId}>{label}</label>
      <input
        id={inputId}
        value={id}
        onChange={(event) => setId(event.target.value)}
        spellCheck={false}
        autoComplete="off"
      />
      <button type="submit">Open</button>
    </form>
  );
}
