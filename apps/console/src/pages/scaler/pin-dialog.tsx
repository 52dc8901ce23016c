import { useEffect, useRef, useState, type FormEvent } from 'react';

export interface PinRequest {
  pool: string;
  replicas: number;
  ttlSeconds?: number;
}

interface PinDialogProps {
  pool: string;
  current: number;
  onConfirm: (pin: PinRequest) => void;
  onClose: () => void;
}

/**
 * Asks for a pin's workers and duration, then for confirmation: a pin overrides the scaler's
 * policy for the whole pool until it expires or is cleared.
 */
export function PinDialog({ pool, current, onConfirm, onClose }: PinDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [replicas, setReplicas] = useState(String(current));
  const [ttl, setTtl] = useState('');
  const [confirming, setConfirming] = useState(false);

  useEffect(() => {
    const element = dialog.current;
    element?.showModal();
    return () => element?.close();
  }, []);

  const pin = (): PinRequest => ({
    pool,
    replicas: Number(replicas),
    ...(ttl === '' ? {} : { ttlSeconds: Number(ttl) }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (confirming) onConfirm(pin());
    else setConfirming(true);
  };

  return (
    <dialog ref={dialog} className="card dialog" onClose={onClose} aria-labelledby="pin-title">
      <form onSubmit={submit}>
        <h2 id="pin-title">Pin pool {pool}</h2>
        {confirming ? (
          <p role="alert">
            Pin <strong>{pool}</strong> to <strong>{replicas}</strong> worker
            {replicas === '1' ? '' : 's'}
            {ttl === '' ? ' for the default time' : ` for ${ttl} s`}? The scaler&apos;s policy is
            overridden until then.
          </p>
        ) : (
          <>
            <label htmlFor="pin-replicas">Workers</label>
            <input
              id="pin-replicas"
              type="number"
              min={0}
              step={1}
              required
              value={replicas}
              onChange={(event) => setReplicas(event.target.value)}
            />
            <label htmlFor="pin-ttl">For (seconds, empty for the scaler&apos;s default)</label>
            <input
              id="pin-ttl"
              type="number"
              min={1}
              step={1}
              value={ttl}
              onChange={(event) => setTtl(event.target.value)}
            />
          </>
        )}
        <div className="dialog-buttons">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary">
            {confirming ? 'Confirm pin' : 'Pin…'}
          </button>
        </div>
      </form>
    </dialog>
  );
}
