// The state folder's default, apart from the database code so `nslab --help` can name it cheaply.
export const DEFAULT_HOME = '/var/lib/nslab';
