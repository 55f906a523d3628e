import { useRef, useState, type FormEvent } from 'react';
import { messageErreur } from '../api/client';

/**
 * A form that sends one chosen file and shows the server's report: the file, the error (no file
 * chosen, or the server's French message), the report, whether it is being sent, and the element
 * that takes the focus when the answer arrives.
 */
export function useFileUpload<R>(send: (file: File) => Promise<R>, noFileMessage: string) {
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [report, setReport] = useState<R | null>(null);
  const [pending, setPending] = useState(false);
  const resultRef = useRef<HTMLDivElement>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setReport(null);
    if (!file) {
      setError(noFileMessage);
      return;
    }
    setError(null);
    setPending(true);
    try {
      setReport(await send(file));
    } catch (e) {
      setError(messageErreur(e));
    } finally {
      setPending(false);
      requestAnimationFrame(() => resultRef.current?.focus());
    }
  }

  return { file, setFile, error, report, pending, resultRef, submit };
}
