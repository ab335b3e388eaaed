export const APP_VERSION = '0.7.2';
export const APP_ID = `aeimg ${APP_VERSION}`;
