export const APP_VERSION = '0.6.1';
export const APP_ID = `aeimg ${APP_VERSION}`;
