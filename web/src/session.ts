import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, call, client, setCsrfToken } from './api/client';
import type { CompteSession, Session } from './types';

export const SESSION_KEY = ['session'] as const;

async function chargerSession(): Promise<Session | null> {
  try {
    const session = await call(client.GET('/api/session'));
    setCsrfToken(session.csrfToken);
    return session;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      setCsrfToken(null);
      return null;
    }
    throw error;
  }
}

/** The signed-in account, `null` when nobody is signed in, `undefined` while loading. */
export function useSession() {
  return useQuery({ queryKey: SESSION_KEY, queryFn: chargerSession, staleTime: 60_000 });
}

export function useCompte(): CompteSession | null {
  const { data } = useSession();
  return data?.compte ?? null;
}

export function useConnexion() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (identifiants: { email: string; motDePasse: string }) => {
      await client.POST('/api/session', { body: identifiants });
      // The CSRF token comes with GET /api/session.
      return chargerSession();
    },
    onSuccess: (session) => {
      queryClient.clear();
      queryClient.setQueryData(SESSION_KEY, session);
    },
  });
}

export function useDeconnexion() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      try {
        await client.DELETE('/api/session');
      } catch (error) {
        // An expired session is already a logged-out session.
        if (!(error instanceof ApiError && error.status === 401)) throw error;
      }
    },
    onSuccess: () => {
      setCsrfToken(null);
      queryClient.clear();
      queryClient.setQueryData(SESSION_KEY, null);
    },
  });
}

export function estAdministrateur(compte: CompteSession | null): boolean {
  return compte?.roles.includes('administrateur') ?? false;
}
