import { useEffect, useState } from 'react';

/** The time now, refreshed every `everyMs`: for labels that depend on what day it is ("14:05" today, a date after). */
export function useNow(everyMs = 60_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
